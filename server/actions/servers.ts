// Cloud server actions shared by the pages and the JSON API: create, retry, destroy, power,
// cancel. They validate, record and queue; the engine does the work.
import { cloudLabel, findCloud } from "../../stacks/clouds.ts";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { generateKeyPair } from "../../engine/ssh-keys.ts";
import { DEFAULT_FIREWALL_PORTS } from "../../stacks/server.ts";
import type { Catalog, ServerSupport } from "../../stacks/cloud.ts";
import { findCredential, type Credential } from "../../state/credentials.ts";
import { deploymentsOnNode } from "../../state/deployments.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { findOperation, serverOperations, type Operation } from "../../state/operations.ts";
import { countLiveServers, findServer, insertServer, listServers as listRows, moveServer, serverNameTaken, stackTaken, updateServer, type Server } from "../../state/servers.ts";
import { sshPrivateKeyRef } from "../../state/sealed-columns.ts";
import { insertSshKey } from "../../state/ssh-keys.ts";
import { markUserKeysUsed } from "../../state/user-keys.ts";
import { can, nodePools, isBusy as busy, serverMachine, serverPolicy, type OperationKind } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, InvalidInputError, NotFoundError, RateLimitedError, UpstreamError, type FieldError } from "../errors.ts";
import { audit } from "./audit.ts";
import { openCredentialOf } from "./credentials.ts";
import { requireWriter } from "./guards.ts";
import { requireChangesAllowed } from "./maintenance.ts";
import { asObject, parse } from "./input.ts";
import { removeWithServer } from "./deployments.ts";
import { chosenUserKeys } from "./user-keys.ts";
import { allocateEntryPoints } from "./gateway.ts";

export type { Server };

export function listServers(deps: Deps, actor: Actor): Server[] {
  return listRows(deps.db, actor.scope);
}

export function getServer(deps: Deps, actor: Actor, id: string): Server {
  const s = findServer(deps.db, actor.scope, id);
  if (!s) throw new NotFoundError("server");
  return s;
}

/** The server's operations, newest first. */
export function operationsOf(deps: Deps, server: Server): Operation[] {
  return serverOperations(deps.db, server.id);
}

/** An operation of a server the actor may see. */
export function getOperation(deps: Deps, actor: Actor, id: string): Operation {
  const op = findOperation(deps.db, id);
  if (!op?.serverId || !findServer(deps.db, actor.scope, op.serverId)) throw new NotFoundError("operation");
  return op;
}

/** A credential of the actor's that can create servers, opened for use. */
export function serverCredential(deps: Deps, actor: Actor, id: unknown, field = "credentialId") {
  const cred = typeof id === "string" && /^[0-9a-f-]{36}$/.test(id) ? findCredential(deps.db, actor.scope, id) : undefined;
  if (!cred) throw new InvalidInputError([{ field, message: id ? "is not one of your credentials" : "is required" }]);
  const support = findCloud(cred.cloud)?.servers;
  if (!support) throw new InvalidInputError([{ field, message: `${cloudLabel(cred.cloud)} servers cannot be created with Hoist yet` }]);
  return { cred, support, cloud: openCredentialOf(deps, cred) };
}

/** The live catalog for a credential, for those who may create servers; the provider's failure becomes an UpstreamError with its message. */
export async function catalogFor(deps: Deps, actor: Actor, credentialId: unknown): Promise<{ cred: Credential; catalog: Catalog }> {
  // Viewers see every credential, but only writers may call a provider with one.
  requireWriter(actor);
  const { cred, support, cloud } = serverCredential(deps, actor, credentialId);
  try {
    return { cred, catalog: await support.catalog(cloud, { signal: AbortSignal.timeout(20_000) }) };
  } catch (err) {
    throw new UpstreamError(`${cloudLabel(cred.cloud)} did not give its catalog: ${(err as Error).message}`);
  }
}

const slug = z.string({ error: "is required" }).trim().min(1, "is required").max(64, "must be at most 64 characters").regex(/^[a-z0-9][a-z0-9._-]*$/, "must be an id from the provider's catalog (lower-case letters, digits, dots, dashes)");

const createSchema = z.object({
  credentialId: z.string({ error: "is required" }),
  name: z.string({ error: "is required" }).trim().min(1, "is required"),
  region: slug,
  size: slug,
  image: slug,
  pool: z.enum(nodePools, { error: "must be shared or dedicated" }).default("shared"),
});

function checkName(deps: Deps, actor: Actor, support: ServerSupport, name: string): FieldError[] {
  const rule = support.name;
  if (name.length > rule.maxLength) return [{ field: "name", message: `must be at most ${rule.maxLength} characters` }];
  if (!rule.pattern.test(name)) return [{ field: "name", message: rule.message }];
  if (serverNameTaken(deps.db, actor.user.id, name)) return [{ field: "name", message: `you already have a server named "${name}"` }];
  return [];
}

/** Where the choice is not in the live catalog, the field that is wrong. */
export function checkAgainstCatalog(catalog: Catalog, input: { region: string; size: string; image: string }): FieldError[] {
  const errors: FieldError[] = [];
  if (!catalog.locations.some((l) => l.id === input.region)) errors.push({ field: "region", message: `is not a location the provider offers` });
  const size = catalog.sizes.find((s) => s.id === input.size);
  if (!size) errors.push({ field: "size", message: "is not a size the provider offers" });
  else if (errors.length === 0 && !size.prices[input.region]) errors.push({ field: "size", message: `is not offered in ${input.region}` });
  if (!catalog.images.some((i) => i.id === input.image)) errors.push({ field: "image", message: "is not an image the provider offers" });
  return errors;
}

function limitChanges(deps: Deps, actor: Actor): void {
  const wait = deps.limits.serverChanges.take(actor.user.id);
  if (wait > 0) throw new RateLimitedError(`Too many servers created or destroyed in a short time. Try again in ${Math.ceil(wait / 60)} minute(s).`, wait);
}

export async function createServer(deps: Deps, actor: Actor, rawInput: unknown): Promise<{ server: Server; operation: Operation }> {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const raw = asObject(rawInput);
  const input = parse(createSchema, raw);
  const operatorKeys = chosenUserKeys(deps, actor, raw.sshKeyIds);
  const { cred, support, cloud } = serverCredential(deps, actor, input.credentialId);
  const errors = checkName(deps, actor, support, input.name);
  // The live catalog checks the choices and prices the server; a credential the provider refuses
  // has none, and then the attempt itself fails with the provider's own error.
  let catalog: Catalog | undefined;
  try {
    catalog = await support.catalog(cloud, { signal: AbortSignal.timeout(20_000) });
  } catch {
    catalog = undefined;
  }
  if (catalog) errors.push(...checkAgainstCatalog(catalog, input));
  if (errors.length) throw new InvalidInputError(errors);
  const quota = deps.config.serverQuota;
  if (countLiveServers(deps.db, { credentialId: cred.id }) >= quota) {
    throw new ConflictError(`The credential “${cred.name}” already has ${quota} servers, Hoist's limit per credential (HOIST_SERVER_QUOTA). Destroy one first.`);
  }
  // The catalog call took a while: a second request with the same name may have got here first.
  const taken = checkName(deps, actor, support, input.name);
  if (taken.length) throw new InvalidInputError(taken);
  limitChanges(deps, actor);

  const price = catalog?.sizes.find((s) => s.id === input.size)?.prices[input.region]?.monthly;
  const base = `server-${input.name.replace(/[^a-z0-9-]/g, "-")}`.slice(0, 72);
  let stack = base;
  for (let n = 2; stackTaken(deps.db, stack); n++) stack = `${base}-${n}`;
  const keys = generateKeyPair(`hoist-${input.name}`);
  const keyId = randomUUID();
  // One transaction with the gateway's allocation: a full port range leaves no server behind.
  const server = deps.db.transaction(() => {
    const key = insertSshKey(deps.db, {
      id: keyId,
      userId: actor.user.id,
      name: `hoist-${input.name}`,
      publicKey: keys.publicKey,
      privateKey: deps.keyring.seal(keys.privateKey, sshPrivateKeyRef(keyId)),
      fingerprint: keys.fingerprint,
    });
    const row = insertServer(deps.db, {
      userId: actor.user.id,
      credentialId: cred.id,
      sshKeyId: key.id,
      name: input.name,
      stack,
      cloud: cred.cloud,
      region: input.region,
      size: input.size,
      image: input.image,
      // The operator's keys as they are now: removing one from the settings later leaves servers as they were.
      spec: { nodeId: randomUUID(), pool: input.pool, currency: catalog?.currency, firewallPorts: [...DEFAULT_FIREWALL_PORTS], operatorKeys: operatorKeys.map((k) => k.publicKey), operatorKeyIds: operatorKeys.map((k) => k.id) },
      priceMonthly: price === undefined ? null : price.toFixed(2),
    });
    allocateEntryPoints(deps, row);
    return row;
  });
  markUserKeysUsed(deps.db, actor.user.id, operatorKeys.map((k) => k.id));
  const operation = enqueueFor(deps, actor, server, "up");
  const chosenKeys = operatorKeys.length ? `, your keys ${operatorKeys.map((k) => k.name).join(", ")}` : "";
  audit(deps, actor, "server.create", "ok", { type: "server", id: server.id }, `${server.name} (${cred.cloud} ${server.region} ${server.size} ${server.image}${chosenKeys})`);
  return { server, operation };
}

const credentialChoice = z.object({ credentialId: z.string().optional() });

/** The operator confirmed that the deployments on the server's node go with it. */
const confirmsRemoval = (raw: unknown) => {
  const v = raw && typeof raw === "object" ? (raw as Record<string, unknown>).removeDeployments : undefined;
  return v === true || v === "on" || v === "true";
};

/** Switches the server to another credential of the same cloud (when its own was deleted). */
function switchCredential(deps: Deps, actor: Actor, server: Server, raw: unknown): void {
  const { credentialId } = parse(credentialChoice, raw === undefined ? {} : asObject(raw));
  if (!credentialId) {
    if (!server.credentialId) throw new InvalidInputError([{ field: "credentialId", message: `choose a ${cloudLabel(server.cloud)} credential: the one this server was created with was deleted` }]);
    return;
  }
  const { cred } = serverCredential(deps, actor, credentialId);
  if (cred.cloud !== server.cloud) throw new InvalidInputError([{ field: "credentialId", message: `must be a ${server.cloud} credential` }]);
  updateServer(deps.db, server.id, { credentialId: cred.id });
}

/** Runs the failed operation again: the destroy if a destroy failed, otherwise the up. */
export function retryServer(deps: Deps, actor: Actor, id: string, raw?: unknown): Operation {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const server = getServer(deps, actor, id);
  if (!serverPolicy.canRetry(server.status)) throw new ConflictError(`Only a failed server can be retried; this one is ${server.status}.`);
  switchCredential(deps, actor, server, raw);
  const last = serverOperations(deps.db, server.id, 1)[0];
  const kind = last?.kind === "destroy" ? "destroy" : "up";
  if (!moveServer(deps.db, server.id, kind === "destroy" ? "destroy_requested" : "queued", { errorReason: null, errorCode: null, errorAction: null, retryable: null })) {
    throw new ConflictError("The server changed meanwhile; reload and try again.");
  }
  // A rebuild that failed is retried as a rebuild.
  const operation = enqueueFor(deps, actor, server, kind, kind === "up" && last?.params.rebuild === true ? { rebuild: true } : undefined);
  audit(deps, actor, "server.retry", "ok", { type: "server", id: server.id }, `${server.name}: ${kind}`);
  return operation;
}

/** Destroys the server: its queued or running operations are cancelled first, and the destroy runs after them. */
export function destroyServer(deps: Deps, actor: Actor, id: string, raw?: unknown): Operation {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const server = getServer(deps, actor, id);
  if (!can(serverMachine, server.status, "destroy_requested")) throw new ConflictError(`The server is ${server.status}; it cannot be destroyed now.`);
  const node = nodeOfServer(deps.db, server.id);
  const hosted = node ? deploymentsOnNode(deps.db, node.id) : [];
  if (hosted.length && !confirmsRemoval(raw)) {
    const names = hosted.map((d) => d.name).join(", ");
    throw new InvalidInputError([{ field: "removeDeployments", message: `the node runs ${hosted.length} deployment(s) (${names}): confirm that they are removed with the server` }]);
  }
  switchCredential(deps, actor, server, raw);
  limitChanges(deps, actor);
  if (!moveServer(deps.db, server.id, "destroy_requested")) throw new ConflictError("The server changed meanwhile; reload and try again.");
  // A create or power action still waiting would only make what is about to be deleted.
  deps.engine.cancelStack(server.stack, "destroy", `destroy requested by ${actor.user.email}`);
  // Its deployments go first; the destroy waits for them (their data goes with the server).
  const removals = hosted.map((d) => removeWithServer(deps, actor, d));
  const operation = enqueueFor(deps, actor, server, "destroy", undefined, removals.map((o) => o.id));
  audit(deps, actor, "server.destroy", "ok", { type: "server", id: server.id }, `${server.name}${hosted.length ? ` with ${hosted.map((d) => d.name).join(", ")}` : ""}`);
  return operation;
}

export function powerServer(deps: Deps, actor: Actor, id: string, action: "on" | "off"): Operation {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const server = getServer(deps, actor, id);
  const event = action === "off" ? "stop_requested" : "start_requested";
  if (!can(serverMachine, server.status, event)) {
    throw new ConflictError(action === "off" ? `Only a ready server can be stopped; this one is ${server.status}.` : `Only a stopped server can be started; this one is ${server.status}.`);
  }
  if (!server.credentialId) throw new InvalidInputError([{ field: "credentialId", message: "the server's credential was deleted; retry or destroy with another one" }]);
  moveServer(deps.db, server.id, event);
  const operation = enqueueFor(deps, actor, server, "power", { action });
  audit(deps, actor, action === "off" ? "server.stop" : "server.start", "ok", { type: "server", id: server.id }, server.name);
  return operation;
}

export function cancelOperation(deps: Deps, actor: Actor, id: string): Operation {
  requireWriter(actor);
  const op = getOperation(deps, actor, id);
  if (!deps.engine.cancel(op.id, `cancelled by ${actor.user.email}`)) throw new ConflictError("The operation has already finished.");
  audit(deps, actor, "operation.cancel", "ok", { type: "operation", id: op.id }, `${op.kind} of ${op.stack}`);
  return findOperation(deps.db, op.id)!;
}

/** Whether an operation is under way for the server (the page shows progress). */
export const isBusy = (s: Server) => busy(serverMachine, s.status);

/** Queues an operation of the server's stack, on the actor's behalf. */
export function enqueueFor(deps: Deps, actor: Actor, server: Server, kind: OperationKind, params?: Record<string, unknown>, waitsFor?: string[]): Operation {
  return deps.engine.enqueue({ kind, stackKind: "server", stack: server.stack, serverId: server.id, userId: actor.user.id, params, waitsFor });
}
