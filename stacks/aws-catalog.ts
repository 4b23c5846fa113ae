// What Hoist offers on AWS: a curated list of instance types (their vCPU and memory come live from
// DescribeInstanceTypes), their on-demand prices from a dated table (EC2 has no price API), and
// the images, found by their publisher's account and a name filter.

/** When the price table was compiled; the create form shows it. */
export const PRICES_AS_OF = "2026-11-01";

/** Canonical's AWS account, the publisher of the official Ubuntu images. */
export const CANONICAL_OWNER = "099720109477";
/** The Debian project's AWS account. */
export const DEBIAN_OWNER = "136693071363";

export interface AwsImage {
  id: string;
  label: string;
  owner: string;
  /** The AMI name filter for one architecture (`amd64` or `arm64`, as the publishers spell it). */
  name: (arch: "amd64" | "arm64") => string;
  /** The image's default login user: SSH as root is refused on these images. */
  loginUser: string;
}

export const AWS_IMAGES: readonly AwsImage[] = [
  { id: "ubuntu-24.04", label: "Ubuntu 24.04 LTS", owner: CANONICAL_OWNER, name: (a) => `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${a}-server-*`, loginUser: "ubuntu" },
  { id: "ubuntu-22.04", label: "Ubuntu 22.04 LTS", owner: CANONICAL_OWNER, name: (a) => `ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-${a}-server-*`, loginUser: "ubuntu" },
  { id: "debian-12", label: "Debian 12 (bookworm)", owner: DEBIAN_OWNER, name: (a) => `debian-12-${a}-*`, loginUser: "admin" },
];

/** The curated instance types and the architecture their AMI must have. */
export const AWS_TYPES: readonly { type: string; arch: "x86_64" | "arm64" }[] = [
  { type: "t3.micro", arch: "x86_64" },
  { type: "t3.small", arch: "x86_64" },
  { type: "t3.medium", arch: "x86_64" },
  { type: "t3.large", arch: "x86_64" },
  { type: "t3.xlarge", arch: "x86_64" },
  { type: "t4g.small", arch: "arm64" },
  { type: "t4g.medium", arch: "arm64" },
  { type: "t4g.large", arch: "arm64" },
  { type: "m7i.large", arch: "x86_64" },
  { type: "m7g.large", arch: "arm64" },
  { type: "c7i.large", arch: "x86_64" },
  { type: "c7g.large", arch: "arm64" },
];

/** The root volume every instance gets (gp3); its storage is billed apart from the instance. */
export const ROOT_VOLUME_GB = 20;

// On-demand Linux USD per hour, as AWS listed them on PRICES_AS_OF. A type missing in a region is
// not offered there by Hoist (its price is not known here).
const US = { "t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832, "t3.xlarge": 0.1664, "t4g.small": 0.0168, "t4g.medium": 0.0336, "t4g.large": 0.0672, "m7i.large": 0.1008, "m7g.large": 0.0816, "c7i.large": 0.0893, "c7g.large": 0.0725 };
const HOURLY: Record<string, Record<string, number>> = {
  "us-east-1": US,
  "us-east-2": US,
  "us-west-2": US,
  "eu-central-1": { "t3.micro": 0.012, "t3.small": 0.024, "t3.medium": 0.048, "t3.large": 0.096, "t3.xlarge": 0.192, "t4g.small": 0.0192, "t4g.medium": 0.0384, "t4g.large": 0.0768 },
  "eu-west-1": { "t3.micro": 0.0114, "t3.small": 0.0228, "t3.medium": 0.0456, "t3.large": 0.0912, "t3.xlarge": 0.1824, "t4g.small": 0.0184, "t4g.medium": 0.0368, "t4g.large": 0.0736 },
};

export const REGION_NAMES: Record<string, string> = {
  "us-east-1": "US East (N. Virginia)",
  "us-east-2": "US East (Ohio)",
  "us-west-2": "US West (Oregon)",
  "eu-central-1": "Europe (Frankfurt)",
  "eu-west-1": "Europe (Ireland)",
};

/** AWS bills a month as 730 hours. */
export function pricesOf(type: string): Record<string, { monthly: number; hourly: number }> {
  const out: Record<string, { monthly: number; hourly: number }> = {};
  for (const [region, table] of Object.entries(HOURLY)) {
    const hourly = table[type];
    if (hourly !== undefined) out[region] = { hourly, monthly: Math.round(hourly * 730 * 100) / 100 };
  }
  return out;
}

export const pricedRegions = () => Object.keys(HOURLY);

export const archOf = (type: string) => AWS_TYPES.find((t) => t.type === type)?.arch ?? "x86_64";

export const imageOf = (id: string) => AWS_IMAGES.find((i) => i.id === id);
