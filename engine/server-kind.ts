// The server kind: one stack per cloud server. Its runners create/update (up), power, refresh,
// preview and destroy it; engine events drive its status (the configure step starting moves it to
// configuring); an up's outputs register its node, which is then checked over SSH.
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type { CloudCredential, ServerSupport } from "../stacks/cloud.ts";
import { findCloud } from "../stacks/clouds.ts";
import { serverConfig } from "../stacks/entry.ts";
import { CONFIGURE_RESOURCE, DEFAULT_FIREWALL_PORTS, SERVER_RESOURCE } from "../stacks/server.ts";
import { digestOf, type Change } from "../state/changes.ts";
import { findCredential, setValidity } from "../state/credentials.ts";
import { deploymentsOnNode } from "../state/deployments.ts";
import { deleteServerNode, nodeOfServer } from "../state/nodes.ts";
import { sshPrivateKeyRef } from "../state/sealed-columns.ts";
import { listServers, moveServer, serverById, updateServer, type Server } from "../state/servers.ts";
import { deleteSshKey, sshKeyById } from "../state/ssh-keys.ts";
import { serverMachine, serverPolicy, type ServerEvent } from "../state/statuses.ts";
import { openCredential } from "./credentials.ts";
import { driftCheck, withDrift } from "./drift-runs.ts";
import { converter } from "./events.ts";
import { clearedFailure, OperationRefused, pulumiOptions, type KindContext, type Run, type StackKind } from "./kind.ts";
import { setNodeOffline } from "./nodes.ts";
import { serverDrift } from "./server-drift.ts";
import { finderFor, holdsResources, namedIn, resourcesNamed } from "./recover.ts";
import { nodeBack, plainOutputs, register } from "./server-node.ts";
import { repairsBeforeUp } from "./server-repair.ts";
import { applying, changeOf, claimChange, previewChange } from "./change-run.ts";
import { openStack, removeStack, setStackConfig } from "./workspace.ts";

export function serverOf(ctx: KindContext, id: string): Server {
  const server = serverById(ctx.db, id);
  if (!server) throw new Error(`server ${id} is gone`);
  return server;
}

export function supportOf(server: Server): ServerSupport {
  const support = findCloud(server.cloud)?.servers;
  if (!support) throw new OperationRefused({ reason: `Hoist cannot manage ${server.cloud} servers`, action: "Destroy the server at the provider by hand.", retryable: false, auth: false });
  return support;
}

/** The server's credential, decrypted afresh for this operation. */
export function credentialOf(ctx: KindContext, server: Server): CloudCredential {
  const row = server.credentialId ? findCredential(ctx.db, { userId: server.userId, all: true }, server.credentialId) : undefined;
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

/** The operator's public keys chosen for the server when it was created. */
const operatorKeysOf = (server: Server): string[] => (Array.isArray(server.spec.operatorKeys) ? server.spec.operatorKeys.filter((k): k is string => typeof k === "string") : []);

/** What an operator may change on a server that exists, as it declares it now. */
export interface ServerDeclared {
  size: string;
  image: string;
  firewallPorts: number[];
  priceMonthly: string | null;
}

export const firewallPortsOf = (server: Server): number[] =>
  Array.isArray(server.spec.firewallPorts) ? server.spec.firewallPorts.filter((p): p is number => Number.isInteger(p)) : [...DEFAULT_FIREWALL_PORTS];

export const declaredOf = (server: Server): ServerDeclared => ({ size: server.size, image: server.image, firewallPorts: firewallPortsOf(server), priceMonthly: server.priceMonthly });

/** What a change must start from: the server's inputs as they were when it was proposed. */
export const serverInputsDigest = (server: Server) => digestOf([declaredOf(server), server.region, operatorKeysOf(server)]);

/** A change's proposal, and whether it rebuilds the server from another image (a replace, asked for on purpose). */
function proposalOf(server: Server, change: Change): { declared: ServerDeclared; rebuild: boolean } {
  const declared = change.proposal as unknown as ServerDeclared;
  return { declared, rebuild: declared.image !== server.image };
}

/**
 * The stack config: the server's spec and the credential's current secret. Refresh and destroy run
 * the program too (runProgram), or Pulumi would use the provider settings saved in the state: a
 * rotated token or a moved endpoint would then break them.
 */
function inputs(ctx: KindContext, subjectId: string, change?: Change) {
  const server = serverOf(ctx, subjectId);
  const declared = change ? proposalOf(server, change).declared : declaredOf(server);
  const support = supportOf(server);
  const cred = credentialOf(ctx, server);
  const key = server.sshKeyId ? sshKeyById(ctx.db, server.sshKeyId) : undefined;
  if (!key) throw new OperationRefused({ reason: "The server's SSH key is missing", action: "Destroy the server and create it again.", retryable: false, auth: false });
  const spec = {
    cloud: server.cloud,
    name: server.name,
    region: server.region,
    size: declared.size,
    image: declared.image,
    nodeId: String(server.spec.nodeId),
    operatorKeys: operatorKeysOf(server),
    priceMonthly: declared.priceMonthly ?? undefined,
    firewallPorts: declared.firewallPorts,
    sshPublicKey: key.publicKey,
    sshPrivateKey: ctx.keyring.open(key.privateKey, sshPrivateKeyRef(key.id)).reveal(),
  };
  return { stack: server.stack, config: { ...serverConfig(spec), ...support.providerConfig(cred, server) } };
}

/** The server's stack, configured, and an event handler that records events and moves the status. */
export async function prepare(run: Run, change?: Change) {
  const server = serverOf(run, run.op.serverId!);
  const support = supportOf(server);
  const settings = await run.pulumi();
  const stack = await openStack(settings, server.stack);
  await setStackConfig(settings, stack, inputs(run, server.id, change).config);
  // The SDK ignores a signal that is already aborted: a cancel that came in meanwhile stops here.
  run.signal.throwIfAborted();
  const convert = converter();
  const onEvent = (e: EngineEvent) => {
    for (const h of convert(e)) {
      run.record(h);
      if (h.type !== "resource" || h.phase !== "started") continue;
      if (h.name === CONFIGURE_RESOURCE && h.resourceType === "command:remote:Command") run.move("configure_started" satisfies ServerEvent);
      else if (run.op.kind === "up" && h.op !== "refresh" && h.op !== "read") run.move("create_started" satisfies ServerEvent);
    }
  };
  return { server, support, settings, stack, opts: pulumiOptions(run, onEvent) };
}

/**
 * Applies a previewed change as previewed (or refuses it as stale, the server left as it was),
 * then declares its proposal. Returns what must be replaced: the server itself for a rebuild.
 */
async function commitChange(run: Run, change: Change): Promise<string[]> {
  const server = serverOf(run, run.op.serverId!);
  const { stack } = await prepare(run, change);
  const { declared, rebuild } = proposalOf(server, change);
  const replace = rebuild ? await resourcesNamed(stack, SERVER_RESOURCE) : undefined;
  await claimChange(run, change, { subject: "server", digest: serverInputsDigest(server), stack, replace, unchanged: () => run.move("unchanged" satisfies ServerEvent) });
  const { firewallPorts, ...columns } = declared;
  updateServer(run.db, server.id, { ...columns, spec: { ...server.spec, firewallPorts } });
  return replace ?? [];
}

async function up(run: Run): Promise<void> {
  const change = changeOf(run, run.op.serverId ?? undefined);
  await applying(run, change, async () => {
    const rebuild = change ? await commitChange(run, change) : [];
    await create(run, rebuild);
  });
}

/** Creates the server, or brings it to what it declares; `rebuild` names resources to replace. */
async function create(run: Run, rebuild: string[]): Promise<void> {
  const { server, support, stack, opts } = await prepare(run);
  const repair = await repairsBeforeUp(run, stack, finderFor(support, credentialOf(run, server), { nodeId: String(server.spec.nodeId), region: server.region }));
  // A retry of a rebuild that failed rebuilds again (a stack no operation ran on has no state, and nothing to rebuild).
  if (!rebuild.length && run.op.params.rebuild === true && repair.state) rebuild.push(...namedIn(repair.state, SERVER_RESOURCE));
  if (rebuild.length) run.record({ type: "log", text: `Rebuilding the server from ${server.image}: it is replaced, and everything stored on it is lost.` });
  run.signal.throwIfAborted();
  const replace = [...new Set([...repair.replace, ...rebuild])];
  const res = await stack.up({ ...opts, replace: replace.length ? replace : undefined });
  const outputs = plainOutputs(res.outputs);
  // A ready server runs: some providers leave one powered off after a resize.
  if (outputs.running === false) {
    run.record({ type: "log", text: "The provider left the server powered off after the change; powering it on." });
    await support.power(credentialOf(run, server), { providerId: String(outputs.providerId), region: server.region }, "on", { signal: run.signal });
    await stack.refresh({ ...opts, runProgram: true });
    outputs.running = true;
  }
  await register(run, server, res.outputs);
  run.move("succeeded" satisfies ServerEvent, { outputs, ...clearedFailure });
}

async function destroy(run: Run): Promise<void> {
  const { server, settings, stack, opts } = await prepare(run);
  // A server whose create failed before anything was made needs no provider call (nor a
  // credential the provider accepts) to go.
  if (await holdsResources(stack)) await stack.destroy({ ...opts, runProgram: true });
  else run.record({ type: "log", text: "Nothing was created at the provider; removing the stack." });
  run.signal.throwIfAborted();
  await removeStack(settings, stack);
  deleteServerNode(run.db, server.id);
  if (server.sshKeyId) deleteSshKey(run.db, server.sshKeyId);
  run.move("destroyed" satisfies ServerEvent, { outputs: null });
}

async function power(run: Run): Promise<void> {
  const { server, support, stack, opts } = await prepare(run);
  const action = run.op.params.action === "on" ? "on" : "off";
  const providerId = String(server.outputs?.providerId ?? "");
  if (!providerId) throw new OperationRefused({ reason: "The server has no provider id yet", action: "Retry creating it first.", retryable: false, auth: false });
  await support.power(credentialOf(run, server), { providerId, region: server.region }, action, { signal: run.signal });
  run.record({ type: "log", text: `Powered ${action} at the provider; refreshing the stack so its state agrees.` });
  run.signal.throwIfAborted();
  await stack.refresh({ ...opts, runProgram: true });
  // The node's state first, so that it is right the moment the server's status says so.
  if (action === "off") setNodeOffline(run, server.id, serverPolicy.offlineBecause("stopped")!);
  else await nodeBack(run, server.id);
  run.move((action === "off" ? "stopped" : "started") satisfies ServerEvent);
}

async function refresh(run: Run): Promise<void> {
  const { stack, opts } = await prepare(run);
  await stack.refresh({ ...opts, runProgram: true });
}

/** Previews the stack, or a proposed change of it: every resource's planned step and property, kept on the change. */
async function preview(run: Run): Promise<void> {
  const change = changeOf(run, run.op.serverId ?? undefined);
  const { server, stack, opts } = await prepare(run, change);
  if (!change) return void (await stack.preview(opts));
  const replace = proposalOf(server, change).rebuild ? await resourcesNamed(stack, SERVER_RESOURCE) : undefined;
  await previewChange(stack, change, run, { ...opts, replace }, () => stack.setAllConfig(inputs(run, server.id).config));
}

export const serverKind: StackKind = {
  id: "server",
  words: { subject: "server", remove: "destroy" },
  machine: serverMachine,
  subjectOf: (op) => op.serverId ?? undefined,
  refOf: (serverId) => ({ serverId }),
  subjects: (db) => listServers(db, { userId: "", all: true }),
  dependents(db, serverId) {
    const node = nodeOfServer(db, serverId);
    return node ? deploymentsOnNode(db, node.id).map((d) => d.stack) : [];
  },
  move: (db, id, event, patch, from) => moveServer(db, id, event as ServerEvent, patch, from as Server["status"][]),
  inputs,
  runners: { up: withDrift(() => serverDrift, "up", up), destroy, power, refresh: withDrift(() => serverDrift, "refresh", refresh), preview: withDrift(() => serverDrift, "preview", preview), drift: driftCheck(() => serverDrift) },
  holdsData: (step) => step.name === SERVER_RESOURCE,
  explain(ctx, op, err) {
    const server = op.serverId ? serverById(ctx.db, op.serverId) : undefined;
    const message = err instanceof Error ? err.message : String(err);
    return (server && findCloud(server.cloud)?.servers?.explainError(message)) ?? { reason: message.split("\n")[0]!, action: "Retry.", retryable: true, auth: false };
  },
  afterFailure(ctx, op, explained) {
    const server = op.serverId ? serverById(ctx.db, op.serverId) : undefined;
    if (explained.auth && server?.credentialId) setValidity(ctx.db, server.credentialId, "invalid", explained.reason);
  },
  // A getter: server-drift.ts imports this module too.
  get drift() {
    return serverDrift;
  },
  finder(ctx, op) {
    const server = op.serverId ? serverById(ctx.db, op.serverId) : undefined;
    const support = findCloud(server?.cloud)?.servers;
    try {
      return server && support ? finderFor(support, credentialOf(ctx, server), { nodeId: String(server.spec.nodeId), region: server.region }) : undefined;
    } catch {
      return undefined; // no credential any more: pending creates can only be dropped
    }
  },
};
