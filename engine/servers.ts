// Runs one operation of a server's stack: up, destroy, power, refresh, preview. Engine events
// drive the server's status (the configure step starting moves it to configuring); the outcome
// registers the node, or records why it failed in the operator's words.
import type { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation/index.js";
import type { Logger } from "pino";
import type { CloudCredential, ExplainedError, ServerSupport } from "../stacks/cloud.ts";
import { findCloud } from "../stacks/clouds.ts";
import { serverConfig, type ConfigValue } from "../stacks/entry.ts";
import { CONFIGURE_RESOURCE } from "../stacks/server.ts";
import { findCredential as findCredentialRow, setValidity } from "../state/credentials.ts";
import type { Db } from "../state/db.ts";
import { deleteServerNode, nodeOfServer, setNodeState, upsertServerNode } from "../state/nodes.ts";
import type { Operation } from "../state/operations.ts";
import { moveServer, serverById, updateServer, type Server } from "../state/servers.ts";
import type { Keyring } from "../state/secrets.ts";
import { sshPrivateKeyRef } from "../state/sealed-columns.ts";
import { deleteSshKey, sshKeyById } from "../state/ssh-keys.ts";
import type { ServerEvent, ServerStatus } from "../state/statuses.ts";
import type { EventBus } from "./bus.ts";
import { openCredential } from "./credentials.ts";
import { converter, urnName, type HoistEvent } from "./events.ts";
import { adoptPendingCreates, brokenResources, finderFor, holdsResources } from "./recover.ts";
import { checkNode } from "./ssh-check.ts";
import { openStack, removeStack, type PulumiSettings } from "./workspace.ts";

export interface ServerJobContext {
  db: Db;
  keyring: Keyring;
  log: Logger;
  endpoints: Record<string, string>;
  bus: EventBus;
  pulumi: () => Promise<PulumiSettings>;
}

/** The statuses each kind of operation owns: it moves the server only while it is in one. */
export const owned: Record<Operation["kind"], readonly ServerStatus[]> = {
  up: ["pending", "creating", "configuring", "updating"],
  destroy: ["destroying"],
  power: ["stopping", "starting"],
  refresh: [],
  preview: [],
};

/** Why an operation is aborted when it outlives its deadline: it failed, nobody cancelled it. */
export class DeadlinePassed extends Error {}

/** An operation that cannot start, with the reason the operator sees. */
export class OperationRefused extends Error {
  constructor(readonly explained: ExplainedError) {
    super(explained.reason);
    this.name = "OperationRefused";
  }
}

/** Runs `op` to its end; throws (after recording why) when it fails. */
export async function runServerOperation(ctx: ServerJobContext, op: Operation, signal: AbortSignal): Promise<void> {
  const server = serverById(ctx.db, op.serverId!);
  if (!server) throw new Error(`operation ${op.id}: its server is gone`);
  const record = (e: HoistEvent) => ctx.bus.record(op.id, e);
  const move = (event: ServerEvent, patch: Partial<Server> = {}) => {
    const to = moveServer(ctx.db, server.id, event, patch, owned[op.kind]);
    if (to) record({ type: "status", status: to });
    return to;
  };
  const support = findCloud(server.cloud)?.servers;
  try {
    if (!support) throw new OperationRefused({ reason: `Hoist cannot manage ${server.cloud} servers`, action: "Destroy the server at the provider by hand.", retryable: false, auth: false });
    const cred = credentialOf(ctx, server);
    const settings = await ctx.pulumi();
    const stack = await openStack(settings, server.stack);
    const convert = converter();
    const onEvent = (e: EngineEvent) => {
      for (const h of convert(e)) {
        record(h);
        if (h.type !== "resource" || h.phase !== "started") continue;
        if (h.name === CONFIGURE_RESOURCE && h.resourceType === "command:remote:Command") move("configure_started");
        else if (op.kind === "up" && h.op !== "refresh" && h.op !== "read") move("create_started");
      }
    };
    // Every operation gets the credential's current secret. Refresh and destroy run the program
    // too (runProgram), or Pulumi would use the provider settings saved in the state: a rotated
    // token or a moved endpoint would then break them.
    await stack.setAllConfig(configFor(ctx, server, support, cred));
    // The SDK ignores a signal that is already aborted: a cancel that came in meanwhile stops here.
    signal.throwIfAborted();

    switch (op.kind) {
      case "up": {
        const pending = await adoptPendingCreates(stack, finderFor(support, cred, { nodeId: String(server.spec.nodeId), region: server.region }));
        if (pending.adopted.length) record({ type: "log", text: `Adopted ${pending.adopted.map(urnName).join(", ")}: created at the provider before Hoist was interrupted.` });
        const broken = await brokenResources(stack);
        if (broken.length) record({ type: "log", text: `Replacing ${broken.map(urnName).join(", ")}: created last time, but it did not finish starting.` });
        const unpinned = await configureWithoutHostKey(stack);
        if (unpinned.length) record({ type: "log", text: "Running the configure step again: last time it reported no SSH host key." });
        signal.throwIfAborted();
        const replace = [...broken, ...unpinned];
        const res = await stack.up({ onEvent, signal, color: "never", replace: replace.length ? replace : undefined });
        await register(ctx, server, res.outputs);
        move("succeeded", { outputs: plainOutputs(res.outputs), errorReason: null, errorCode: null, errorAction: null, retryable: null });
        break;
      }
      case "destroy": {
        // A server whose create failed before anything was made needs no provider call (nor a
        // credential the provider accepts) to go.
        if (await holdsResources(stack)) await stack.destroy({ onEvent, signal, color: "never", runProgram: true });
        else record({ type: "log", text: "Nothing was created at the provider; removing the stack." });
        signal.throwIfAborted();
        await removeStack(settings, stack);
        deleteServerNode(ctx.db, server.id);
        if (server.sshKeyId) deleteSshKey(ctx.db, server.sshKeyId);
        move("destroyed", { outputs: null });
        break;
      }
      case "power": {
        const action = op.params.action === "on" ? "on" : "off";
        const providerId = String(server.outputs?.providerId ?? "");
        if (!providerId) throw new OperationRefused({ reason: "The server has no provider id yet", action: "Retry creating it first.", retryable: false, auth: false });
        await support.power(cred, { providerId, region: server.region }, action, { signal });
        record({ type: "log", text: `Powered ${action} at the provider; refreshing the stack so its state agrees.` });
        signal.throwIfAborted();
        await stack.refresh({ onEvent, signal, color: "never", runProgram: true });
        if (action === "off") {
          const node = nodeOfServer(ctx.db, server.id);
          if (node) setNodeState(ctx.db, node.id, "offline", "the server is stopped");
          move("stopped");
        } else {
          await checkServerNode(ctx, server.id);
          move("started");
        }
        break;
      }
      case "refresh":
        await stack.refresh({ onEvent, signal, color: "never", runProgram: true });
        break;
      case "preview":
        await stack.preview({ onEvent, signal, color: "never" });
        break;
    }
  } catch (err) {
    const explained = err instanceof OperationRefused ? err.explained : explain(support, err, signal);
    record({ type: "failure", reason: explained.reason, code: explained.code, action: explained.action, retryable: explained.retryable });
    if (explained.auth && server.credentialId) setValidity(ctx.db, server.credentialId, "invalid", explained.reason);
    move("failed", { errorReason: explained.reason, errorCode: explained.code ?? null, errorAction: explained.action, retryable: explained.retryable });
    throw Object.assign(new Error(explained.reason), { explained });
  }
}

function explain(support: ServerSupport | undefined, err: unknown, signal: AbortSignal): ExplainedError {
  const message = err instanceof Error ? err.message : String(err);
  if (signal.aborted) {
    const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "cancelled");
    const code = signal.reason instanceof DeadlinePassed ? "deadline" : "cancelled";
    return { reason: `The operation was stopped: ${why}`, code, action: "Retry to continue, or destroy the server.", retryable: true, auth: false };
  }
  return support?.explainError(message) ?? { reason: message.split("\n")[0]!, action: "Retry.", retryable: true, auth: false };
}

/**
 * Previews the server's stack from a shell: the same program and inputs as the console's operations,
 * Pulumi's own output printed as it comes. Preview takes no lock, so it can run beside the console.
 */
export async function previewServer(ctx: ServerJobContext, server: Server, onOutput: (text: string) => void) {
  const support = findCloud(server.cloud)?.servers;
  if (!support) throw new Error(`Hoist cannot manage ${server.cloud} servers`);
  const stack = await openStack(await ctx.pulumi(), server.stack);
  await stack.setAllConfig(configFor(ctx, server, support, credentialOf(ctx, server)));
  return stack.preview({ onOutput, diff: true });
}

/** The server's credential, decrypted afresh for this operation. */
export function credentialOf(ctx: ServerJobContext, server: Server): CloudCredential {
  const row = server.credentialId ? findCredentialRow(ctx.db, { userId: server.userId, all: true }, server.credentialId) : undefined;
  const cred = row && openCredential(ctx, row);
  if (!cred) {
    throw new OperationRefused({
      reason: "The credential this server was created with has been deleted",
      code: "no_credential",
      action: `Choose another ${server.cloud} credential for this server, then retry or destroy.`,
      retryable: false,
      auth: false,
    });
  }
  return cred;
}

function configFor(ctx: ServerJobContext, server: Server, support: ServerSupport, cred: CloudCredential): Record<string, ConfigValue> {
  const key = server.sshKeyId ? sshKeyById(ctx.db, server.sshKeyId) : undefined;
  if (!key) throw new OperationRefused({ reason: "The server's SSH key is missing", action: "Destroy the server and create it again.", retryable: false, auth: false });
  const spec = {
    cloud: server.cloud,
    name: server.name,
    region: server.region,
    size: server.size,
    image: server.image,
    nodeId: String(server.spec.nodeId),
    operatorKeys: operatorKeysOf(server),
    priceMonthly: server.priceMonthly ?? undefined,
    sshPublicKey: key.publicKey,
    sshPrivateKey: ctx.keyring.open(key.privateKey, sshPrivateKeyRef(key.id)).reveal(),
  };
  return { ...serverConfig(spec), ...support.providerConfig(cred, server) };
}

/** The operator's public keys chosen for the server when it was created. */
const operatorKeysOf = (server: Server): string[] => (Array.isArray(server.spec.operatorKeys) ? server.spec.operatorKeys.filter((k): k is string => typeof k === "string") : []);

/** Stack outputs as plain values (none of a server's outputs is secret). */
function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).filter(([, o]) => !o.secret).map(([k, o]) => [k, o.value]));
}

/**
 * The configure step, when it ran but reported no host key: only running it again can pin one
 * (its triggers have not changed, so a plain up would leave it as it is).
 */
async function configureWithoutHostKey(stack: Stack): Promise<string[]> {
  type Resource = { urn: string; type: string; outputs?: Record<string, unknown> };
  const resources = ((await stack.exportStack()).deployment as { resources?: Resource[] } | undefined)?.resources ?? [];
  const outputs = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs;
  if (!outputs || !("hostKeyFingerprint" in outputs) || outputs.hostKeyFingerprint) return [];
  return resources.filter((r) => r.type === "command:remote:Command" && urnName(r.urn) === CONFIGURE_RESOURCE).map((r) => r.urn);
}

/**
 * The stack's outputs register (or update) the server's node, which is then checked over SSH.
 * Without a host key to pin the node could never be checked safely, so the operation fails.
 */
async function register(ctx: ServerJobContext, server: Server, outputs: OutputMap): Promise<void> {
  const out = plainOutputs(outputs);
  if (!out.ipv4) throw new Error("the stack reported no address for the server");
  if (!out.hostKeyFingerprint) {
    throw new OperationRefused({
      reason: "The configure step reported no SSH host key for the server, so Hoist cannot pin it",
      code: "no_host_key",
      action: "Retry: the configure step runs again. If it keeps failing, make sure the server's sshd has an ed25519 host key (/etc/ssh/ssh_host_ed25519_key.pub).",
      retryable: true,
      auth: false,
    });
  }
  upsertServerNode(ctx.db, {
    id: String(server.spec.nodeId),
    serverId: server.id,
    userId: server.userId,
    sshKeyId: server.sshKeyId,
    name: server.name,
    address: String(out.ipv4),
    sshPort: Number(out.sshPort ?? 22),
    sshUser: String(out.sshUser ?? "root"),
    hostKeyFingerprint: String(out.hostKeyFingerprint),
    cloud: server.cloud,
    region: String(out.region ?? server.region),
    size: String(out.size ?? server.size),
    facts: (out.facts as Record<string, unknown>) ?? null,
  });
  updateServer(ctx.db, server.id, { outputs: out });
  await checkServerNode(ctx, server.id);
}

/** Checks the server's node over SSH and records online/offline. */
export async function checkServerNode(ctx: Pick<ServerJobContext, "db" | "keyring">, serverId: string) {
  const server = serverById(ctx.db, serverId);
  const node = nodeOfServer(ctx.db, serverId);
  const key = node?.sshKeyId ? sshKeyById(ctx.db, node.sshKeyId) : undefined;
  if (!server || !node || !key) return undefined;
  const result = await checkNode({
    host: node.address,
    port: node.sshPort,
    user: node.sshUser,
    privateKey: ctx.keyring.open(key.privateKey, sshPrivateKeyRef(key.id)).reveal(),
    hostKeyFingerprint: node.hostKeyFingerprint,
    nodeId: String(server.spec.nodeId),
  });
  setNodeState(ctx.db, node.id, result.state, result.reason);
  return result;
}
