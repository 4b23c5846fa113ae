// The AMIs the emulated AWS offers: moto's own catalogue has no current Ubuntu or Debian, so the
// test bed replaces it (MOTO_AMIS_PATH) with the images Hoist actually looks up, named and owned
// as on AWS. Two builds of each, so that `mostRecent` has something to choose between.
import { createHash } from "node:crypto";

/** Canonical's AWS account, the owner of the official Ubuntu AMIs. */
export const CANONICAL_OWNER = "099720109477";
/** The Debian project's AWS account. */
export const DEBIAN_OWNER = "136693071363";

export interface AmiSpec {
  name: string;
  owner: string;
  architecture: "x86_64" | "arm64";
  description: string;
  created: string;
}

const builds = [
  { date: "20241004", created: "2024-10-04T07:12:31.000Z" },
  { date: "20241119", created: "2024-11-19T08:31:55.000Z" },
];

const ubuntu = [
  { series: "noble", version: "24.04", volume: "hvm-ssd-gp3" },
  { series: "jammy", version: "22.04", volume: "hvm-ssd" },
];

const arches = [
  { deb: "amd64", aws: "x86_64" },
  { deb: "arm64", aws: "arm64" },
] as const;

export const AMIS: AmiSpec[] = [
  ...ubuntu.flatMap((u) =>
    arches.flatMap((a) =>
      builds.map((b) => ({
        name: `ubuntu/images/${u.volume}/ubuntu-${u.series}-${u.version}-${a.deb}-server-${b.date}`,
        owner: CANONICAL_OWNER,
        architecture: a.aws,
        description: `Canonical, Ubuntu, ${u.version}, ${a.deb} ${u.series} image`,
        created: b.created,
      })),
    ),
  ),
  ...arches.flatMap((a) =>
    builds.map((b) => ({
      name: `debian-12-${a.deb}-${b.date}-1949`,
      owner: DEBIAN_OWNER,
      architecture: a.aws,
      description: `Debian 12 (${b.date}-1949)`,
      created: b.created,
    })),
  ),
];

/** A stable, AWS-shaped id (`ami-` + 17 hex digits) derived from the image name. */
export function amiId(name: string): string {
  return "ami-0" + createHash("sha256").update(name).digest("hex").slice(0, 16);
}

/**
 * The user an instance of the image lets in: `ubuntu` on Canonical's Ubuntu AMIs, `admin` on
 * Debian's (both refuse root, as cloud-init's disable_root does). Only these images can be
 * launched here (moto validates AMIs against this catalogue); anything else would be root.
 */
export function loginUserOf(imageId: string | undefined): string {
  const ami = AMIS.find((a) => amiId(a.name) === imageId);
  if (ami?.owner === CANONICAL_OWNER && ami.name.startsWith("ubuntu/")) return "ubuntu";
  if (ami?.owner === DEBIAN_OWNER) return "admin";
  return "root";
}

/** The catalogue in the JSON shape moto reads from MOTO_AMIS_PATH. */
export function motoAmis(): object[] {
  return AMIS.map((a) => ({
    ami_id: amiId(a.name),
    name: a.name,
    description: a.description,
    owner_id: a.owner,
    state: "available",
    public: true,
    image_location: `${a.owner}/${a.name}`,
    image_type: "machine",
    platform: null,
    architecture: a.architecture,
    virtualization_type: "hvm",
    hypervisor: "xen",
    root_device_type: "ebs",
    root_device_name: "/dev/sda1",
    sriov: "simple",
    creation_date: a.created,
  }));
}
