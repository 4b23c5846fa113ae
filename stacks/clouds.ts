// The one list of clouds Hoist knows.
import { aws } from "./aws.ts";
import type { CloudAdapter } from "./cloud.ts";
import { digitalocean } from "./digitalocean.ts";
import { hetzner } from "./hetzner.ts";

export const clouds: readonly CloudAdapter[] = [hetzner, digitalocean, aws];

export function findCloud(id: string): CloudAdapter | undefined {
  return clouds.find((c) => c.id === id);
}
