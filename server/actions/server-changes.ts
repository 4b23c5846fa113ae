// Changing a server that exists: a new size (resize), a new image (rebuild: the server is
// replaced) or other firewall ports. Each is proposed, priced from the live catalog, previewed by
// the engine, and applied only when the operator confirms — by typing the server's name when it
// is rebuilt — and only while the stack still plans what the preview showed.
import { z } from "zod";
import { declaredOf, serverInputsDigest, type ServerDeclared } from "../../engine/server-kind.ts";
import { SSH_PORT } from "../../stacks/server.ts";
import type { Catalog } from "../../stacks/cloud.ts";
import { changeById, insertChange, serverChanges, updateChange, type Change } from "../../state/changes.ts";
import { deploymentsOnNode } from "../../state/deployments.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { moveServer } from "../../state/servers.ts";
import { serverPolicy } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, InvalidInputError, NotFoundError, UpstreamError, type FieldError } from "../errors.ts";
import { audit } from "./audit.ts";
import { discardChange, requireApplicable } from "./changes.ts";
import { requireWriter } from "./guards.ts";
import { asObject } from "./input.ts";
import { requireChangesAllowed } from "./maintenance.ts";
import { checkAgainstCatalog, enqueueFor, getServer, serverCredential, type Server } from "./servers.ts";

export type { Change };

/** At most this many ports: a firewall is not where a port range belongs. */
const MAX_PORTS = 20;

const choice = z.string().trim().min(1, "is required").max(64, "must be at most 64 characters");

/** Ports as a list of numbers, or as the form sends them ("22, 80, 443"). */
function parsePorts(raw: unknown): { ports?: number[]; error?: string } {
  const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(/[\s,]+/).filter(Boolean) : undefined;
  if (!items) return { error: "must be a list of port numbers" };
  const ports = items.map((p) => (typeof p === "number" ? p : /^\d{1,5}$/.test(String(p)) ? Number(p) : NaN));
  const bad = items.find((_, i) => !Number.isInteger(ports[i]) || ports[i]! < 1 || ports[i]! > 65535);
  if (bad !== undefined) return { error: `${JSON.stringify(bad)} is not a port number from 1 to 65535` };
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  if (!unique.includes(SSH_PORT)) return { error: `must include ${SSH_PORT}: Hoist reaches the node over SSH` };
  if (unique.length > MAX_PORTS) return { error: `must be at most ${MAX_PORTS} ports` };
  return { ports: unique };
}

/** The monthly price of a size in a region, from the live catalog. */
const priceIn = (catalog: Catalog, size: string, region: string) => catalog.sizes.find((s) => s.id === size)?.prices[region]?.monthly;

export interface Cost {
  currency: string;
  before?: number;
  after?: number;
}

/** The server's live catalog, or the provider's failure in words. */
async function catalogOf(deps: Deps, actor: Actor, server: Server): Promise<Catalog> {
  const { support, cloud } = serverCredential(deps, actor, server.credentialId, "credentialId");
  try {
    return await support.catalog(cloud, { signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    throw new UpstreamError(`The provider did not give its catalog, which prices and checks the change: ${(err as Error).message}`);
  }
}

/** Proposes a new size, image and/or firewall ports; the preview runs as an operation, its plan kept on the change. */
export async function proposeServerChange(deps: Deps, actor: Actor, id: string, rawInput: unknown): Promise<{ change: Change; server: Server }> {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const server = getServer(deps, actor, id);
  if (!serverPolicy.canChange(server.status)) throw new ConflictError(`The server is ${server.status}; it can be changed once it is ready (or has failed).`);
  const raw = asObject(rawInput);
  const current = declaredOf(server);
  const problems: FieldError[] = [];
  const pick = (field: "size" | "image"): string => {
    const v = raw[field];
    if (v === undefined || v === "") return current[field];
    const r = choice.safeParse(v);
    if (!r.success) problems.push({ field, message: r.error.issues[0]!.message });
    return r.success ? r.data : current[field];
  };
  const size = pick("size");
  const image = pick("image");
  let firewallPorts = current.firewallPorts;
  if (raw.firewallPorts !== undefined && raw.firewallPorts !== "") {
    const parsed = parsePorts(raw.firewallPorts);
    if (parsed.error) problems.push({ field: "firewallPorts", message: parsed.error });
    else firewallPorts = parsed.ports!;
  }
  if (problems.length) throw new InvalidInputError(problems);
  const proposed: ServerDeclared = { size, image, firewallPorts, priceMonthly: current.priceMonthly };
  if (JSON.stringify(proposed) === JSON.stringify(current)) throw new InvalidInputError([{ field: "body", message: "changes nothing: choose another size, image or firewall ports" }]);

  const rebuild = image !== current.image;
  if (rebuild) {
    const node = nodeOfServer(deps.db, server.id);
    const hosted = node ? deploymentsOnNode(deps.db, node.id) : [];
    if (hosted.length) {
      problems.push({ field: "image", message: `the node runs ${hosted.map((d) => d.name).join(", ")}: remove them first, as a rebuild replaces the server and everything on it` });
    }
  }
  let cost: Cost | undefined;
  if (size !== current.size || rebuild) {
    const catalog = await catalogOf(deps, actor, server);
    problems.push(...checkAgainstCatalog(catalog, { region: server.region, size, image }).filter((p) => p.field !== "region"));
    const after = priceIn(catalog, size, server.region);
    cost = { currency: catalog.currency, before: priceIn(catalog, current.size, server.region) ?? (server.priceMonthly ? Number(server.priceMonthly) : undefined), after };
    if (after !== undefined) proposed.priceMonthly = after.toFixed(2);
  }
  if (problems.length) throw new InvalidInputError(problems);

  const change = insertChange(deps.db, {
    userId: actor.user.id,
    stackKind: "server",
    serverId: server.id,
    proposal: proposed as unknown as Record<string, unknown>,
    basedOn: serverInputsDigest(server),
    summary: { from: current, rebuild, cost },
  });
  const op = enqueueFor(deps, actor, server, "preview", { changeId: change.id });
  updateChange(deps.db, change.id, { previewOperationId: op.id });
  audit(deps, actor, "server.change.preview", "ok", { type: "server", id: server.id }, `${server.name}: ${describe(current, proposed)}`);
  return { change: changeById(deps.db, change.id)!, server };
}

/** The change, when it is one of this server's. */
export function getServerChange(deps: Deps, actor: Actor, serverId: string, changeId: string): { change: Change; server: Server } {
  const server = getServer(deps, actor, serverId);
  const change = changeById(deps.db, changeId);
  if (!change || change.serverId !== server.id) throw new NotFoundError("change");
  return { change, server };
}

export function listServerChanges(deps: Deps, actor: Actor, serverId: string): Change[] {
  return serverChanges(deps.db, getServer(deps, actor, serverId).id);
}

/** Applies a previewed change: the server updates (or is rebuilt); the engine re-checks the plan first. */
export function applyServerChange(deps: Deps, actor: Actor, serverId: string, changeId: string, raw?: unknown) {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const { change, server } = getServerChange(deps, actor, serverId, changeId);
  requireApplicable(change, server, raw);
  // A ready server is updated in place; a failed one runs its up afresh, with the change.
  if (!moveServer(deps.db, server.id, server.status === "ready" ? "update_started" : "queued", server.status === "failed" ? { errorReason: null, errorCode: null, errorAction: null, retryable: null } : {})) {
    throw new ConflictError(`The server is ${server.status}; it cannot be changed now.`);
  }
  const rebuild = (change.summary as { rebuild?: boolean } | null)?.rebuild === true;
  const operation = enqueueFor(deps, actor, server, "up", { changeId: change.id, rebuild });
  audit(deps, actor, "server.change.apply", "ok", { type: "server", id: server.id }, `${server.name}${rebuild ? " (rebuilt)" : ""}`);
  return { operation, change };
}

export function discardServerChange(deps: Deps, actor: Actor, serverId: string, changeId: string): void {
  requireWriter(actor);
  const { change, server } = getServerChange(deps, actor, serverId, changeId);
  discardChange(deps, change);
  audit(deps, actor, "server.change.discard", "ok", { type: "server", id: server.id }, server.name);
}

/** "size cx22 → cx32; firewall 22, 80 → 22, 443" for the audit log. */
function describe(a: ServerDeclared, b: ServerDeclared): string {
  const parts: string[] = [];
  if (a.size !== b.size) parts.push(`size ${a.size} → ${b.size}`);
  if (a.image !== b.image) parts.push(`image ${a.image} → ${b.image} (rebuild)`);
  if (a.firewallPorts.join() !== b.firewallPorts.join()) parts.push(`firewall ${a.firewallPorts.join(", ")} → ${b.firewallPorts.join(", ")}`);
  return parts.join("; ");
}
