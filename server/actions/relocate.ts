// A server the provider refused for want of room in its region (capacity, a regional quota):
// the same size in the cloud's other regions, priced against it, and provisioning it there.
//
// "Provision there" retries the same server in the other region rather than destroying it and
// creating another: it keeps its name, node id and gateway entry points (and, for the wizard, the
// deployments it is for), and the stack's next up replaces whatever the refused attempt left at
// the provider, as any retry does.
import { cloudLabel, findCloud } from "../../stacks/clouds.ts";
import { updateServer, type Server } from "../../state/servers.ts";
import type { Operation } from "../../state/operations.ts";
import { serverPolicy } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, InvalidInputError } from "../errors.ts";
import { audit } from "./audit.ts";
import { asObject } from "./input.ts";
import { requireWriter } from "./guards.ts";
import { requireChangesAllowed } from "./maintenance.ts";
import { catalogFor, getServer, retryServer } from "./servers.ts";

export interface RegionOption {
  region: string;
  label: string;
  monthly: number;
  /** Against the price in the server's own region (null when that is unknown). */
  difference: number | null;
}

/** Whether the server failed because its region has no room for its size now. */
export function refusedForRegion(server: Server): boolean {
  const codes = findCloud(server.cloud)?.servers?.regionalCodes ?? [];
  return serverPolicy.canRetry(server.status) && !!server.errorCode && codes.includes(server.errorCode);
}

/** The cloud's other regions whose catalog has the server's size, cheapest first. */
export async function otherRegions(deps: Deps, actor: Actor, server: Server): Promise<{ currency: string; options: RegionOption[] }> {
  if (!server.credentialId) throw new ConflictError(`The server's ${cloudLabel(server.cloud)} credential was deleted: retry it with another one first.`);
  const { catalog } = await catalogFor(deps, actor, server.credentialId);
  const size = catalog.sizes.find((s) => s.id === server.size);
  const here = size?.prices[server.region]?.monthly ?? (server.priceMonthly ? Number(server.priceMonthly) : undefined);
  const options = catalog.locations
    .filter((l) => l.id !== server.region && size?.prices[l.id])
    .map((l) => {
      const monthly = size!.prices[l.id]!.monthly;
      return { region: l.id, label: l.label, monthly, difference: here === undefined ? null : Math.round((monthly - here) * 100) / 100 };
    })
    .sort((a, b) => a.monthly - b.monthly);
  return { currency: catalog.currency, options };
}

/** Provisions the failed server again in `region`, where its size is offered. */
export async function relocateServer(deps: Deps, actor: Actor, id: string, rawInput: unknown): Promise<Operation> {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const server = getServer(deps, actor, id);
  if (!serverPolicy.canRetry(server.status)) throw new ConflictError(`Only a failed server can be provisioned in another region; this one is ${server.status}.`);
  const region = asObject(rawInput).region;
  if (typeof region !== "string" || !region) throw new InvalidInputError([{ field: "region", message: "is required" }]);
  const { options } = await otherRegions(deps, actor, server);
  const option = options.find((o) => o.region === region);
  if (!option) throw new InvalidInputError([{ field: "region", message: region === server.region ? "is the region that refused it" : `does not offer ${server.size}` }]);
  const from = server.region;
  updateServer(deps.db, server.id, { region, priceMonthly: option.monthly.toFixed(2) });
  let operation: Operation;
  try {
    operation = retryServer(deps, actor, server.id);
  } catch (err) {
    updateServer(deps.db, server.id, { region: from, priceMonthly: server.priceMonthly });
    throw err;
  }
  audit(deps, actor, "server.relocate", "ok", { type: "server", id: server.id }, `${server.name}: ${from} → ${region} (${server.size})`);
  return operation;
}
