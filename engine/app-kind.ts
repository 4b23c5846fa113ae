// The app kind: one stack per app deployment (`app-<slug>`), run on its node over SSH. Its runners
// deploy or update it (up, then Hoist's own health check), restart it, and remove it (keeping its
// volumes when asked).
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { CONTAINER_RESOURCE, containerName, VOLUMES_RESOURCE, type AppSpec } from "../stacks/app.ts";
import { explainAppError } from "../stacks/app-errors.ts";
import { appConfig } from "../stacks/entry.ts";
import { scriptLine } from "../stacks/shell.ts";
import { deploymentById, listDeployments, moveDeployment, updateDeployment, type Deployment } from "../state/deployments.ts";
import { findNodeById, type Node } from "../state/nodes.ts";
import { digestOf, type Change } from "../state/changes.ts";
import { changeSecretsRef, deploymentSecretEnvRef } from "../state/sealed-columns.ts";
import { openJson, sealJson } from "../state/secrets.ts";
import { deploymentMachine, type DeploymentEvent, type DeploymentStatus } from "../state/statuses.ts";
import { applying, changeOf, claimChange, previewChange } from "./change-run.ts";
import { appDrift } from "./app-drift.ts";
import { driftCheck, withDrift } from "./drift-runs.ts";
import { declareRoute, removeRoute } from "./app-route.ts";
import { converter, urnName } from "./events.ts";
import { waitHealthy, type HealthTarget } from "./health.ts";
import { clearedFailure, OperationRefused, pulumiOptions, type KindContext, type Run, type StackKind } from "./kind.ts";
import { runOnNode } from "./node-exec.ts";
import { accessOf, checkServerNode } from "./nodes.ts";
import { forgetResources, holdsResources } from "./recover.ts";
import { openStack, removeStack, setStackConfig } from "./workspace.ts";

/** How long an app may take to answer its health check after it started. */
const HEALTHY_WITHIN_MS = 120_000;

export function deploymentOf(ctx: KindContext, id: string): Deployment {
  const d = deploymentById(ctx.db, id);
  if (!d) throw new Error(`deployment ${id} is gone`);
  return d;
}

export function nodeOf(ctx: KindContext, d: Deployment): Node {
  const node = d.nodeId ? findNodeById(ctx.db, d.nodeId) : undefined;
  if (!node) throw new OperationRefused({ reason: "The node this app was deployed on is gone", code: "no_node", action: "Remove the deployment (its data went with the node) and deploy it again elsewhere.", retryable: false, auth: false });
  return node;
}

export const specOf = (d: Deployment) => d.spec as unknown as AppSpec;

export function accessFor(ctx: KindContext, node: Node) {
  const access = accessOf(ctx, node);
  if (!access || !node.hostKey) {
    throw new OperationRefused({ reason: "Hoist holds no key or pinned host key line for this node", code: "no_access", action: "Retry the node's server (its configure step records them), then retry.", retryable: false, auth: false });
  }
  return { ...access, hostKey: node.hostKey };
}

/** The deployment's secret environment, opened for this use only. */
export const secretsOf = (ctx: KindContext, d: Deployment) => (d.secretEnv ? openJson(ctx.keyring, d.secretEnv, deploymentSecretEnvRef(d.id)).reveal() : {});

/** A change's proposed spec and secret environment (its secrets, or the deployment's when it keeps them). */
function proposalOf(ctx: KindContext, d: Deployment, change: Change): { spec: AppSpec; secretEnv: Record<string, string> } {
  const secretEnv = change.secrets ? openJson(ctx.keyring, change.secrets, changeSecretsRef(change.id)).reveal() : secretsOf(ctx, d);
  return { spec: change.proposal.spec as unknown as AppSpec, secretEnv };
}

/** What a change must start from: the deployment's inputs as they were when it was proposed. */
export const inputsDigest = (d: Deployment) => digestOf([d.spec, d.secretEnv]);

/** The stack config: what runs, the node to run it on (its key and host key), the secret environment. */
function inputs(ctx: KindContext, subjectId: string, change?: Change) {
  const d = deploymentOf(ctx, subjectId);
  const access = accessFor(ctx, nodeOf(ctx, d));
  const { spec, secretEnv } = change ? proposalOf(ctx, d, change) : { spec: specOf(d), secretEnv: secretsOf(ctx, d) };
  const node = { host: access.host, port: access.port, user: access.user, hostKey: access.hostKey };
  return { stack: d.stack, config: appConfig(spec, node, access.privateKey, secretEnv) };
}

/** Where Hoist asks whether the app is up, from the entry's health check. */
export function healthTarget(spec: AppSpec): HealthTarget {
  const portOf = (name: string) => spec.ports.find((p) => p.name === name)?.host ?? spec.ports[0]!.host;
  if ("tcp" in spec.health) return { tcp: { host: spec.address, port: portOf(spec.health.tcp.port) } };
  const { port, path, expect } = spec.health.http;
  return { http: { url: `http://${spec.address}:${portOf(port)}${path}`, expect } };
}

export async function prepare(run: Run, change?: Change) {
  const d = deploymentOf(run, run.op.deploymentId!);
  const settings = await run.pulumi();
  const stack = await openStack(settings, d.stack);
  await setStackConfig(settings, stack, inputs(run, d.id, change).config);
  run.signal.throwIfAborted();
  const convert = converter({ planning: run.op.kind === "preview" });
  const onEvent = (e: EngineEvent) => {
    for (const h of convert(e)) {
      run.record(h);
      if (h.type === "resource" && h.phase === "started" && h.name === CONTAINER_RESOURCE && h.op !== "refresh" && h.op !== "read") run.move("deploy_started" satisfies DeploymentEvent);
    }
  };
  return { d, settings, stack, opts: pulumiOptions(run, onEvent) };
}

/** Fails the run unless the app answers its health check in time. */
async function requireHealthy(run: Run, spec: AppSpec): Promise<string> {
  const target = healthTarget(spec);
  run.record({ type: "log", text: `Waiting for the app to answer ${"http" in target ? target.http.url : `${target.tcp.host}:${target.tcp.port}`}…` });
  const health = await waitHealthy(target, { timeoutMs: HEALTHY_WITHIN_MS, signal: run.signal });
  if (!health.ok) {
    throw new OperationRefused({
      reason: `The app did not pass its health check within ${HEALTHY_WITHIN_MS / 1000} s: ${health.detail}`,
      code: "unhealthy",
      action: "Read the container's logs on this page, fix its settings (Update) if they are wrong, then retry.",
      retryable: true,
      auth: false,
    });
  }
  run.record({ type: "log", text: `Healthy: ${health.detail}.` });
  return health.detail;
}

/** Previews a proposed change: every resource's planned step and property, kept on the change. */
async function preview(run: Run): Promise<void> {
  const change = changeOf(run, run.op.deploymentId ?? undefined);
  const { stack, opts } = await prepare(run, change);
  if (!change) return void (await stack.preview(opts));
  await previewChange(stack, change, run, opts, () => stack.setAllConfig(inputs(run, run.op.deploymentId!).config));
}

/** Applies a previewed change as previewed (or refuses it as stale), then declares its proposal. */
async function commitChange(run: Run, change: Change): Promise<void> {
  const d = deploymentOf(run, change.deploymentId!);
  const { stack } = await prepare(run, change);
  // Nothing was changed when it is stale: the deployment runs on as it was.
  await claimChange(run, change, { subject: "deployment", digest: inputsDigest(d), stack, unchanged: () => run.move("unchanged" satisfies DeploymentEvent) });
  const { spec, secretEnv } = proposalOf(run, d, change);
  const sealed = Object.keys(secretEnv).length ? sealJson(run.keyring, secretEnv, deploymentSecretEnvRef(d.id)) : null;
  updateDeployment(run.db, d.id, { spec: spec as unknown as Record<string, unknown>, secretEnv: sealed });
}

async function up(run: Run): Promise<void> {
  const change = changeOf(run, run.op.deploymentId ?? undefined);
  await applying(run, change, async () => {
    if (change) await commitChange(run, change);
    await deploy(run);
  });
}

/** Runs the deployment's up on its node, then its health check; `extra` refreshes or replaces (a drift Restore). */
export async function deploy(run: Run, extra: { refresh?: boolean; replace?: string[]; onEvent?: (e: EngineEvent) => void } = {}): Promise<void> {
  const d = deploymentOf(run, run.op.deploymentId!);
  const node = nodeOf(run, d);
  // Asked now, not as the last periodic check found it: a stopped node fails here in words.
  const check = node.serverId ? await checkServerNode(run, node.serverId) : undefined;
  if (check?.state !== "online") {
    throw new OperationRefused({ reason: `The node ${node.name} is offline: ${check?.reason ?? "it has no server Hoist can reach"}`, code: "node_offline", action: "Start the node's server (or fix what keeps it offline), then retry.", retryable: true, auth: false });
  }
  const { stack, opts } = await prepare(run);
  const res = await stack.up({ ...opts, refresh: extra.refresh, replace: extra.replace?.length ? extra.replace : undefined, onEvent: (e) => (opts.onEvent(e), extra.onEvent?.(e)) });
  const health = await requireHealthy(run, specOf(d));
  const outputs = Object.fromEntries(Object.entries(res.outputs).filter(([, o]) => !o.secret).map(([k, o]) => [k, o.value]));
  // Running means reachable: through the gateway too, once it loaded the route.
  await declareRoute(run, d, specOf(d));
  run.move("succeeded" satisfies DeploymentEvent, { outputs: { ...outputs, health }, ...clearedFailure });
}

async function destroy(run: Run): Promise<void> {
  const d = deploymentOf(run, run.op.deploymentId!);
  if (run.op.params.withServer && !(await nodeAnswers(run, d))) {
    // The server is being destroyed and its node no longer answers: nothing is left to ask it.
    await removeStack(await run.pulumi(), await openStack(await run.pulumi(), d.stack));
    run.record({ type: "log", text: "The node does not answer and its server is being destroyed: the container goes with it; the stack is removed." });
    await removeRoute(run, d);
    run.move("removed" satisfies DeploymentEvent, { outputs: null });
    return;
  }
  const { settings, stack, opts } = await prepare(run);
  if (run.op.params.keepData) {
    // The volumes leave the stack before it is destroyed: they stay on the node, by their names.
    const kept = await forgetResources(stack, (urn) => urnName(urn) === VOLUMES_RESOURCE);
    if (kept.length) run.record({ type: "log", text: `Keeping the app's data: its volumes stay on the node (${specOf(d).volumes.map((v) => v.name).join(", ")}).` });
  }
  if (await holdsResources(stack)) await stack.destroy({ ...opts, runProgram: true });
  run.signal.throwIfAborted();
  await removeStack(settings, stack);
  await removeRoute(run, d);
  run.move("removed" satisfies DeploymentEvent, { outputs: null });
}

/** Whether the deployment's node answers over SSH now. */
async function nodeAnswers(run: Run, d: Deployment): Promise<boolean> {
  const node = d.nodeId ? findNodeById(run.db, d.nodeId) : undefined;
  return !!node?.serverId && (await checkServerNode(run, node.serverId))?.state === "online";
}

/** Records in the state what the node really runs (the program runs, so the node's key is current). */
async function refresh(run: Run): Promise<void> {
  const { stack, opts } = await prepare(run);
  await stack.refresh({ ...opts, runProgram: true });
}

async function restart(run: Run): Promise<void> {
  const d = deploymentOf(run, run.op.deploymentId!);
  const access = accessFor(run, nodeOf(run, d));
  const res = await runOnNode(access, scriptLine('docker restart "$1" >/dev/null', [containerName(d.slug)], { sudo: access.user !== "root", name: "hoist-restart" }), { timeoutMs: 60_000, signal: run.signal });
  if (res.code !== 0) throw new OperationRefused({ reason: `Restarting the container failed: ${(res.stderr || res.stdout).trim().slice(0, 300)}`, code: "container", action: "Retry; if the container is gone, Update (or retry the deployment) runs it again.", retryable: true, auth: false });
  run.record({ type: "log", text: `Restarted ${containerName(d.slug)}.` });
  await requireHealthy(run, specOf(d));
  run.move("restarted" satisfies DeploymentEvent);
}

export const appKind: StackKind = {
  id: "app",
  words: { subject: "deployment", remove: "remove" },
  machine: deploymentMachine,
  subjectOf: (op) => op.deploymentId ?? undefined,
  refOf: (deploymentId) => ({ deploymentId }),
  subjects: (db) => listDeployments(db, { userId: "", all: true }),
  move: (db, id, event, patch, from) => moveDeployment(db, id, event as DeploymentEvent, patch, from as DeploymentStatus[]),
  inputs,
  runners: { up: withDrift(() => appDrift, "up", up), destroy, restart, preview: withDrift(() => appDrift, "preview", preview), refresh: withDrift(() => appDrift, "refresh", refresh), drift: driftCheck(() => appDrift) },
  holdsData: (step) => step.name === VOLUMES_RESOURCE,
  explain: (_ctx, _op, err) => explainAppError(err instanceof Error ? err.message : String(err)),
  // A getter: app-drift.ts imports this module too.
  get drift() {
    return appDrift;
  },
};
