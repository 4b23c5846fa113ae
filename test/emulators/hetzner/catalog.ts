// What the emulated Hetzner Cloud sells: locations, datacenters, server types with per-location
// prices, and system images, in the API's own JSON shapes. Availability is uneven on purpose, as
// on the real cloud (Arm and the cost-optimised CX line only in the EU, US and Singapore offering
// the AMD lines), so that a console's catalog has to show what each location can really run.

export type Architecture = "x86" | "arm";

const CREATED = "2024-01-01T00:00:00+00:00";

export const LOCATIONS = [
  loc(1, "fsn1", "Falkenstein DC Park 1", "DE", "Falkenstein", 50.47612, 12.370071, "eu-central"),
  loc(2, "nbg1", "Nuremberg DC Park 1", "DE", "Nuremberg", 49.452102, 11.076665, "eu-central"),
  loc(3, "hel1", "Helsinki DC Park 1", "FI", "Helsinki", 60.169855, 24.938379, "eu-central"),
  loc(4, "ash", "Ashburn, VA", "US", "Ashburn, VA", 39.045821, -77.487073, "us-east"),
  loc(5, "hil", "Hillsboro, OR", "US", "Hillsboro, OR", 45.54222, -122.951924, "us-west"),
  loc(6, "sin", "Singapore", "SG", "Singapore", 1.283333, 103.833333, "ap-southeast"),
];

export type LocationJson = (typeof LOCATIONS)[number];

function loc(id: number, name: string, description: string, country: string, city: string, latitude: number, longitude: number, network_zone: string) {
  return { id, name, description, country, city, latitude, longitude, network_zone };
}

const DC_NUMBERS: Record<string, [number, number]> = { fsn1: [4, 14], nbg1: [2, 3], hel1: [3, 2], ash: [5, 1], hil: [6, 1], sin: [7, 1] };

const EU = ["fsn1", "nbg1", "hel1"];
const ALL = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"];

interface TypeSpec {
  id: number;
  name: string;
  cores: number;
  memory: number;
  disk: number;
  cpu_type: "shared" | "dedicated";
  architecture: Architecture;
  category: string;
  /** Monthly net price in EUR in the EU; other regions cost more, as on the real price list. */
  monthly: number;
  locations: string[];
  /** Retired plans stay listed, flagged, and can no longer be ordered. */
  deprecation?: { announced: string; unavailable_after: string };
}

const TYPE_SPECS: TypeSpec[] = [
  {
    id: 1, name: "cx11", cores: 1, memory: 2, disk: 20, cpu_type: "shared", architecture: "x86", category: "cost_optimized", monthly: 3.29, locations: EU,
    deprecation: { announced: "2024-06-06T00:00:00+00:00", unavailable_after: "2024-09-06T00:00:00+00:00" },
  },
  { id: 104, name: "cx22", cores: 2, memory: 4, disk: 40, cpu_type: "shared", architecture: "x86", category: "cost_optimized", monthly: 3.79, locations: EU },
  { id: 105, name: "cx32", cores: 4, memory: 8, disk: 80, cpu_type: "shared", architecture: "x86", category: "cost_optimized", monthly: 6.8, locations: EU },
  { id: 106, name: "cx42", cores: 8, memory: 16, disk: 160, cpu_type: "shared", architecture: "x86", category: "cost_optimized", monthly: 16.4, locations: EU },
  { id: 107, name: "cx52", cores: 16, memory: 32, disk: 320, cpu_type: "shared", architecture: "x86", category: "cost_optimized", monthly: 32.4, locations: EU },
  { id: 22, name: "cpx11", cores: 2, memory: 2, disk: 40, cpu_type: "shared", architecture: "x86", category: "regular_purpose", monthly: 4.35, locations: ALL },
  { id: 23, name: "cpx21", cores: 3, memory: 4, disk: 80, cpu_type: "shared", architecture: "x86", category: "regular_purpose", monthly: 7.55, locations: ALL },
  { id: 24, name: "cpx31", cores: 4, memory: 8, disk: 160, cpu_type: "shared", architecture: "x86", category: "regular_purpose", monthly: 13.1, locations: ALL },
  { id: 45, name: "cax11", cores: 2, memory: 4, disk: 40, cpu_type: "shared", architecture: "arm", category: "cost_optimized", monthly: 3.79, locations: EU },
  { id: 93, name: "cax21", cores: 4, memory: 8, disk: 80, cpu_type: "shared", architecture: "arm", category: "cost_optimized", monthly: 6.49, locations: EU },
  { id: 96, name: "ccx13", cores: 2, memory: 8, disk: 80, cpu_type: "dedicated", architecture: "x86", category: "dedicated", monthly: 12.49, locations: ALL },
];

const REGION_FACTOR: Record<string, number> = { fsn1: 1, nbg1: 1, hel1: 1, ash: 1.18, hil: 1.18, sin: 1.3 };
const TB = 1024 ** 4;
const INCLUDED_TRAFFIC: Record<string, number> = { fsn1: 20 * TB, nbg1: 20 * TB, hel1: 20 * TB, ash: 1 * TB, hil: 1 * TB, sin: 0.5 * TB };
const VAT = 1.19;

/** Hetzner's price objects: net and gross as decimal strings with ten places. */
function price(net: number) {
  return { net: net.toFixed(10), gross: (net * VAT).toFixed(10) };
}

function pricesFor(spec: TypeSpec) {
  return spec.locations.map((name) => {
    const monthly = Math.round(spec.monthly * REGION_FACTOR[name]! * 100) / 100;
    // Hourly billing is capped at the monthly price, so the hourly rate is a little above monthly/730.
    const hourly = Math.round((monthly / 640) * 10_000) / 10_000;
    return {
      location: name,
      price_hourly: price(hourly),
      price_monthly: price(monthly),
      included_traffic: INCLUDED_TRAFFIC[name]!,
      price_per_tb_traffic: price(name === "sin" ? 7.4 : 1),
    };
  });
}

export const SERVER_TYPES = TYPE_SPECS.map((s) => ({
  id: s.id,
  name: s.name,
  description: s.name.toUpperCase(),
  category: s.category,
  cores: s.cores,
  memory: s.memory,
  disk: s.disk,
  storage_type: "local",
  cpu_type: s.cpu_type,
  architecture: s.architecture,
  deprecated: Boolean(s.deprecation),
  deprecation: s.deprecation ?? null,
  included_traffic: 20 * TB,
  prices: pricesFor(s),
  locations: s.locations.map((name) => ({
    id: LOCATIONS.find((l) => l.name === name)!.id,
    name,
    deprecation: s.deprecation ?? null,
    available: !s.deprecation,
    recommended: !s.deprecation,
  })),
}));

export type ServerTypeJson = (typeof SERVER_TYPES)[number];

export const DATACENTERS = LOCATIONS.map((l) => {
  const [id, n] = DC_NUMBERS[l.name]!;
  const here = SERVER_TYPES.filter((t) => t.locations.some((x) => x.name === l.name));
  const supported = here.map((t) => t.id);
  const available = here.filter((t) => !t.deprecated).map((t) => t.id);
  return {
    id,
    name: `${l.name}-dc${n}`,
    description: `${l.city} ${id} virtual DC ${n}`,
    location: l,
    server_types: { supported, available, available_for_migration: available },
  };
});

export type DatacenterJson = (typeof DATACENTERS)[number];

interface ImageSpec {
  id: number;
  name: string;
  description: string;
  os_flavor: string;
  os_version: string;
  architecture: Architecture;
  deprecated?: string;
}

const IMAGE_SPECS: ImageSpec[] = [
  { id: 161547269, name: "ubuntu-24.04", description: "Ubuntu 24.04", os_flavor: "ubuntu", os_version: "24.04", architecture: "x86" },
  { id: 161547270, name: "ubuntu-24.04", description: "Ubuntu 24.04", os_flavor: "ubuntu", os_version: "24.04", architecture: "arm" },
  { id: 67794396, name: "ubuntu-22.04", description: "Ubuntu 22.04", os_flavor: "ubuntu", os_version: "22.04", architecture: "x86" },
  { id: 103908130, name: "ubuntu-22.04", description: "Ubuntu 22.04", os_flavor: "ubuntu", os_version: "22.04", architecture: "arm" },
  { id: 114690387, name: "debian-12", description: "Debian 12", os_flavor: "debian", os_version: "12", architecture: "x86" },
  { id: 114690389, name: "debian-12", description: "Debian 12", os_flavor: "debian", os_version: "12", architecture: "arm" },
  // Listed only with include_deprecated=true, like every image past its end of support.
  { id: 15512617, name: "ubuntu-20.04", description: "Ubuntu 20.04", os_flavor: "ubuntu", os_version: "20.04", architecture: "x86", deprecated: "2025-05-01T00:00:00+00:00" },
];

export const IMAGES = IMAGE_SPECS.map((i) => ({
  id: i.id,
  type: "system",
  status: "available",
  name: i.name,
  description: i.description,
  image_size: null,
  disk_size: 5,
  created: CREATED,
  created_from: null,
  bound_to: null,
  os_flavor: i.os_flavor,
  os_version: i.os_version,
  rapid_deploy: true,
  protection: { delete: false },
  deprecated: i.deprecated ?? null,
  deleted: null,
  labels: {} as Record<string, string>,
  architecture: i.architecture,
}));

export type ImageJson = (typeof IMAGES)[number];

/** `GET /pricing`: the whole price list, with the server types' per-location prices. */
export function pricing() {
  return {
    currency: "EUR",
    vat_rate: "19.00",
    image: { price_per_gb_month: price(0.011) },
    floating_ip: { price_monthly: price(3) },
    floating_ips: [{ type: "ipv4", prices: LOCATIONS.map((l) => ({ location: l.name, price_monthly: price(3) })) }],
    primary_ips: [
      { type: "ipv4", prices: LOCATIONS.map((l) => ({ location: l.name, price_hourly: price(0.0008), price_monthly: price(0.5) })) },
      { type: "ipv6", prices: LOCATIONS.map((l) => ({ location: l.name, price_hourly: price(0), price_monthly: price(0) })) },
    ],
    traffic: { price_per_tb: price(1) },
    server_backup: { percentage: "20.00" },
    server_types: SERVER_TYPES.map((t) => ({ id: t.id, name: t.name, prices: t.prices })),
    load_balancer_types: [],
    volume: { price_per_gb_month: price(0.044) },
  };
}

/** Whether a server of this type can be ordered in that location today. */
export function orderable(type: ServerTypeJson, location: string): boolean {
  return type.locations.some((l) => l.name === location && l.available);
}

/** Looks an item up by numeric id or by name, as the API's `{id}` paths and `?name=` do. */
export function byIdOrName<T extends { id: number; name: string }>(items: readonly T[], key: string | number): T | undefined {
  const s = String(key);
  return /^\d+$/.test(s) ? items.find((i) => i.id === Number(s)) : items.find((i) => i.name === s);
}
