// The one list of clouds Hoist knows, and the one way to look a cloud up.
import { awsCloud } from "./aws.ts";
import type { CloudAdapter } from "./cloud.ts";
import { digitaloceanCloud } from "./digitalocean.ts";
import { hetznerCloud } from "./hetzner.ts";

export const clouds: readonly CloudAdapter[] = [hetznerCloud, digitaloceanCloud, awsCloud];

export function findCloud(id: string | null | undefined): CloudAdapter | undefined {
  return clouds.find((c) => c.id === id);
}

/** The cloud's name for people, or its id when Hoist does not know it. */
export const cloudLabel = (id: string) => findCloud(id)?.label ?? id;
