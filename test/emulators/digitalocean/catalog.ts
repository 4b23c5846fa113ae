// The DigitalOcean catalog the emulator serves: regions, sizes and distribution images, in the
// API's own JSON shapes. Prices and specs are DigitalOcean's published Basic droplet list.

export interface Size {
  slug: string;
  memory: number; // MiB
  vcpus: number;
  disk: number; // GB
  transfer: number; // TB
  price_monthly: number;
  price_hourly: number;
  regions: string[];
  available: boolean;
  description: string;
  disk_info: { type: string; size: { amount: number; unit: string } }[];
}

export interface Region {
  slug: string;
  name: string;
  sizes: string[];
  available: boolean;
  features: string[];
}

export interface Image {
  id: number;
  name: string;
  distribution: string;
  slug: string;
  public: boolean;
  regions: string[];
  created_at: string;
  type: string;
  min_disk_size: number;
  size_gigabytes: number;
  description: string;
  tags: string[];
  status: string;
  error_message: string;
}

const REGIONS: [slug: string, name: string][] = [
  ["nyc1", "New York 1"],
  ["nyc3", "New York 3"],
  ["ams3", "Amsterdam 3"],
  ["fra1", "Frankfurt 1"],
  ["lon1", "London 1"],
  ["sgp1", "Singapore 1"],
  ["sfo3", "San Francisco 3"],
];
const REGION_SLUGS = REGIONS.map(([slug]) => slug);

// [slug, memory MiB, vcpus, disk GB, transfer TB, $/month]
const SIZES: [string, number, number, number, number, number][] = [
  ["s-1vcpu-512mb-10gb", 512, 1, 10, 0.5, 4],
  ["s-1vcpu-1gb", 1024, 1, 25, 1, 6],
  ["s-1vcpu-2gb", 2048, 1, 50, 2, 12],
  ["s-2vcpu-2gb", 2048, 2, 60, 3, 18],
  ["s-2vcpu-4gb", 4096, 2, 80, 4, 24],
  ["s-4vcpu-8gb", 8192, 4, 160, 5, 48],
  ["s-8vcpu-16gb", 16384, 8, 320, 6, 96],
];

const HOURS_PER_MONTH = 672;

export const sizes: Size[] = SIZES.map(([slug, memory, vcpus, disk, transfer, monthly]) => ({
  slug,
  memory,
  vcpus,
  disk,
  transfer,
  price_monthly: monthly,
  price_hourly: Math.round((monthly / HOURS_PER_MONTH) * 1e5) / 1e5,
  // The smallest size is not sold everywhere, which gives "Size is not available in this region." a case.
  regions: slug === "s-1vcpu-512mb-10gb" ? ["nyc1", "fra1", "sgp1"] : REGION_SLUGS,
  available: true,
  description: "Basic",
  disk_info: [{ type: "local", size: { amount: disk, unit: "gib" } }],
}));

export const regions: Region[] = REGIONS.map(([slug, name]) => ({
  slug,
  name,
  sizes: sizes.filter((s) => s.regions.includes(slug)).map((s) => s.slug),
  available: true,
  features: ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"],
}));

// [id, slug, distribution, name, min disk, size GB]
const IMAGES: [number, string, string, string, number, number][] = [
  [167574010, "ubuntu-24-04-x64", "Ubuntu", "24.04 (LTS) x64", 7, 2.58],
  [167573721, "ubuntu-22-04-x64", "Ubuntu", "22.04 (LTS) x64", 7, 2.31],
  [167567483, "debian-12-x64", "Debian", "12 x64", 7, 1.07],
];

export const images: Image[] = IMAGES.map(([id, slug, distribution, name, minDisk, sizeGb]) => ({
  id,
  name,
  distribution,
  slug,
  public: true,
  regions: REGION_SLUGS,
  created_at: "2024-10-01T12:00:00Z",
  type: "base",
  min_disk_size: minDisk,
  size_gigabytes: sizeGb,
  description: `${distribution} ${name}`,
  tags: [],
  status: "available",
  error_message: "",
}));

export function findSize(slug: string): Size | undefined {
  return sizes.find((s) => s.slug === slug.toLowerCase());
}

export function findRegion(slug: string): Region | undefined {
  return regions.find((r) => r.slug === slug.toLowerCase());
}

/** An image by slug or numeric id, as the droplet create request may give either. */
export function findImage(ref: string | number): Image | undefined {
  return images.find((i) => i.slug === ref || i.id === Number(ref));
}
