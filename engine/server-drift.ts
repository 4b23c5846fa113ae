// Drift of a server's stack: what a refresh preview finds at the provider (a size, a label, the
// power state changed, a resource deleted). Restore is the server's up refreshing first — a
// deleted resource is created again, a changed one updated back — with the server powered back
// on when it is off; Accept records reality, and a power-off accepted makes the server stopped.
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { CONFIGURE_RESOURCE, SERVER_RESOURCE } from "../stacks/server.ts";
import type { DriftedResource } from "../state/drift.ts";
import { listServers, moveServer, serverById } from "../state/servers.ts";
import { serverPolicy, type ServerEvent } from "../state/statuses.ts";
import type { DriftSupport } from "./drift-runs.ts";
import { clearedFailure, type KindContext, type Run } from "./kind.ts";
import type { PlannedStep } from "./plan.ts";
import { checkServerNode, setNodeOffline } from "./nodes.ts";
import { resourcesIn, resourcesNamed } from "./recover.ts";
import { credentialOf, prepare, serverOf, supportOf } from "./server-kind.ts";
import { plainOutputs, register } from "./server-node.ts";

/** The server resource's recorded power state, as the stack's state holds it now. */
async function recordedPower(stack: Stack, type: string, property: string): Promise<unknown> {
  return resourcesIn(await stack.exportStack()).find((r) => r.type === type)?.outputs?.[property];
}

/** The findings that say the server is not running (its power state property drifted). */
function powerDrift(ctx: KindContext, serverId: string | null | undefined, resources: DriftedResource[]) {
  const server = serverId ? serverById(ctx.db, serverId) : undefined;
  if (!server) return undefined;
  const { type, property, running } = supportOf(server).powerState;
  const found = resources.find((r) => r.type === type && r.kind === "changed" && r.properties.some((p) => p.property === property && p.actual !== running));
  return found && { server, resource: found, property, running, actual: found.properties.find((p) => p.property === property)!.actual };
}

/** Powers the server on when its stack's state says it is off, then refreshes that state and checks its node. */
async function powerOnIfOff(run: Run, stack: Stack, opts: Parameters<Stack["refresh"]>[0]): Promise<void> {
  const server = serverOf(run, run.op.serverId!);
  const support = supportOf(server);
  const { type, property, running } = support.powerState;
  const power = await recordedPower(stack, type, property);
  if (power === running) return;
  run.record({ type: "log", text: `The server is not running (${property} ${String(power)}): powering it on.` });
  await support.power(credentialOf(run, server), { providerId: String(server.outputs?.providerId ?? ""), region: server.region }, "on", { signal: run.signal });
  await stack.refresh({ ...opts, runProgram: true });
  await checkServerNode(run, server.id);
}

export const serverDrift: DriftSupport = {
  targets: (ctx) =>
    listServers(ctx.db, { userId: "", all: true })
      .filter((s) => serverPolicy.canCheck(s.status))
      .map((s) => ({ stack: s.stack, stackKind: "server", userId: s.userId, serverId: s.id })),

  subject(ctx, op) {
    const server = op.serverId ? serverById(ctx.db, op.serverId) : undefined;
    if (!server) return { skip: "the server is gone" };
    if (!serverPolicy.canCheckDrift(server.status)) return { skip: `the server is ${server.status}` };
    return { stack: server.stack, stackKind: "server", userId: server.userId, serverId: server.id };
  },

  open: async (run) => (await prepare(run)).stack,

  watched(ctx, op) {
    const server = op.serverId ? serverById(ctx.db, op.serverId) : undefined;
    if (!server || server.status !== "ready") return [];
    const { type, property } = supportOf(server).powerState;
    return [{ type, property }];
  },

  // A server deleted out of band comes back as a new machine, which must be configured again
  // (node identity, host key, keys) even where it gets the old address back, which alone would
  // leave the configure step's trigger unchanged.
  replaceFor: async (stack, resources) =>
    resources.some((r) => r.name === SERVER_RESOURCE && r.kind === "deleted") ? resourcesNamed(stack, CONFIGURE_RESOURCE) : [],

  hoistSteps(ctx, op, resources): PlannedStep[] {
    const off = powerDrift(ctx, op.serverId, resources);
    if (!off) return [];
    return [{ urn: off.resource.urn, name: off.resource.name, type: off.resource.type, op: "power-on", properties: [{ property: off.property, old: off.actual, new: off.running, replaces: false }] }];
  },

  async restore(run, { replace, onEvent, resources }) {
    const { server, stack, opts } = await prepare(run);
    // Off out of band: on first, so that the up finds it reachable (its configure step may run).
    const off = powerDrift(run, server.id, resources);
    if (off) {
      run.record({ type: "log", text: `Powering ${server.name} on: it was found ${String(off.actual)}.` });
      await supportOf(server).power(credentialOf(run, server), { providerId: String(server.outputs?.providerId ?? ""), region: server.region }, "on", { signal: run.signal });
    }
    run.signal.throwIfAborted();
    const res = await stack.up({ ...opts, refresh: true, replace: replace.length ? replace : undefined, onEvent: (e) => (opts.onEvent(e), onEvent(e)) });
    await register(run, server, res.outputs);
    // A provider may leave a resized server off (some do): it is meant to run.
    await powerOnIfOff(run, stack, opts);
    run.move("succeeded" satisfies ServerEvent, { outputs: plainOutputs(res.outputs), ...clearedFailure });
  },

  async afterAccept(run, stack) {
    const server = serverOf(run, run.op.serverId!);
    const { type, property, running } = supportOf(server).powerState;
    const power = await recordedPower(stack, type, property);
    if (power === undefined || power === running) return;
    // The stack now records the server off: so does Hoist, and it can be started from its page.
    setNodeOffline(run, server.id, serverPolicy.offlineBecause("stopped")!);
    if (moveServer(run.db, server.id, "stopped", {}, ["ready"])) run.record({ type: "status", status: "stopped" });
  },

  queueRestore: (ctx, id) => moveServer(ctx.db, id, "update_started", {}, ["ready"]) !== undefined,

  unchanged: (run) => void run.move("succeeded" satisfies ServerEvent),
};
