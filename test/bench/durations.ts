// The two settings of the emulated clouds' action durations the figures run at: zero, so that
// what is left is Hoist's own cost (and Pulumi's), and realistic, as the issue has them from the
// real clouds: a Hetzner server created in 20 s and deleted in 5 s, a droplet booted in 30 s, an
// EC2 instance running 15 s after RunInstances. Other actions (power, firewalls) take no time
// in both.
import type { ActionTimes, CloudId } from "../support/clouds.ts";

export const ZERO_TIMES: ActionTimes = { createMs: 0, deleteMs: 0, otherMs: 0 };

export const REALISTIC_TIMES: Record<CloudId, ActionTimes> = {
  hetzner: { createMs: 20_000, deleteMs: 5_000, otherMs: 0 },
  digitalocean: { createMs: 30_000, deleteMs: 0, otherMs: 0 },
  aws: { createMs: 15_000, deleteMs: 0, otherMs: 0 },
};

export const timesLabel = (t: ActionTimes) => (t.createMs === 0 && t.deleteMs === 0 ? "zero action time" : `create ${t.createMs / 1000} s${t.deleteMs ? `, delete ${t.deleteMs / 1000} s` : ""}`);
