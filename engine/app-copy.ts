// A deployment's app stack run by another kind of operation (a migration): a copy of the app on
// another node in a stack of its own, brought up and destroyed with the same program as the app
// kind's, and the container commands a move needs (stop, start, stream its volumes' data).
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import path from "node:path";
import { containerName, type AppSpec } from "../stacks/app.ts";
import { appConfig } from "../stacks/entry.ts";
import { scriptLine } from "../stacks/shell.ts";
import type { Deployment } from "../state/deployments.ts";
import type { Node } from "../state/nodes.ts";
import { accessFor, secretsOf } from "./app-kind.ts";
import { converter } from "./events.ts";
import { OperationRefused, type Run } from "./kind.ts";
import { runOnNode } from "./node-exec.ts";
import { accessOf } from "./nodes.ts";
import { pipeBetweenNodes } from "./node-pipe.ts";
import { recoverStack } from "./recover.ts";
import { openStack, removeStack } from "./workspace.ts";

async function stackOn(run: Run, d: Deployment, stackName: string, node: Node, spec: AppSpec) {
  const access = accessFor(run, node);
  const settings = await run.pulumi();
  // A run taken over after a crash finds the stack as the dead one left it: locked, maybe half made.
  await recoverStack(settings, stackName);
  const stack = await openStack(settings, stackName);
  await stack.setAllConfig(appConfig(spec, { host: access.host, port: access.port, user: access.user, hostKey: access.hostKey }, access.privateKey, secretsOf(run, d)));
  const convert = converter({ planning: false });
  const onEvent = (e: EngineEvent) => convert(e).forEach((h) => run.record(h));
  return { settings, stack, opts: { onEvent, signal: run.signal, color: "never" as const } };
}

/** Runs the app (`spec`) on `node` in the stack `stackName`: made, or brought up to date. */
export async function upCopy(run: Run, d: Deployment, stackName: string, node: Node, spec: AppSpec): Promise<void> {
  const { stack, opts } = await stackOn(run, d, stackName, node, spec);
  await stack.up(opts);
}

/** Destroys the stack `stackName` (the container and volumes it made on `node`) and removes it. */
export async function destroyCopy(run: Run, d: Deployment, stackName: string, node: Node, spec: AppSpec): Promise<void> {
  const { settings, stack, opts } = await stackOn(run, d, stackName, node, spec);
  await stack.destroy({ ...opts, runProgram: true });
  await removeStack(settings, stack);
}

function sshOf(run: Run, node: Node) {
  const access = accessOf(run, node);
  if (!access) throw new OperationRefused({ reason: `Hoist holds no key for the node ${node.name}`, code: "no_access", action: "Retry the node's server (its configure step records it), then resume.", retryable: true, auth: false });
  return access;
}

/** `docker stop` or `docker start` of the app's container on `node`. */
export async function containerOn(run: Run, node: Node, slug: string, action: "stop" | "start"): Promise<void> {
  const access = sshOf(run, node);
  const res = await runOnNode(access, scriptLine('docker "$1" "$2" >/dev/null', [action, containerName(slug)], { sudo: access.user !== "root", name: `hoist-${action}` }), { timeoutMs: 60_000, signal: run.signal });
  if (res.code !== 0) throw new Error(`docker ${action} ${containerName(slug)} on ${node.name} failed: ${(res.stderr || res.stdout).trim().slice(0, 300)}`);
}

/**
 * Copies each volume's data from the stopped old container to the stopped copy: `docker cp` of
 * the mount point as a tar stream out of one node, through Hoist, into the other.
 */
export async function copyVolumes(run: Run, from: Node, to: Node, spec: AppSpec): Promise<number> {
  const [src, dst] = [sshOf(run, from), sshOf(run, to)];
  let bytes = 0;
  for (const v of spec.volumes) {
    const out = scriptLine('docker cp "$1:$2" -', [containerName(spec.slug), v.path], { sudo: src.user !== "root", name: "hoist-cp-out" });
    const into = scriptLine('docker cp - "$1:$2"', [containerName(spec.slug), path.posix.dirname(v.path)], { sudo: dst.user !== "root", name: "hoist-cp-in" });
    bytes += await pipeBetweenNodes(src, out, dst, into, { signal: run.signal });
    run.record({ type: "log", text: `Copied the volume ${v.name} (${v.path}) to ${to.name}.` });
  }
  return bytes;
}
