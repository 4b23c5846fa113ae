// Drift of an app deployment's stack. Its program runs the container through remote.Command,
// which has no Read: a refresh sees nothing of what happened on the node. So the check also asks
// the node itself over SSH (a fixed inspection, stacks/app.ts) and compares with what the stack
// declares and recorded: the container stopped, removed, running another image, its tag moved to
// another image, or a stray container carrying the deployment's label. Restore runs the
// deployment's up with the container replaced (and strays removed), then its health check.
// Accept records what the node shows as accepted: later checks report only what changes from it.
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { CONTAINER_RESOURCE, containerName, inspectCommand, parseInspect, removeContainersCommand, type Inspected } from "../stacks/app.ts";
import { deploymentById, listDeployments, moveDeployment } from "../state/deployments.ts";
import { saveSettings, type DriftedProperty, type DriftedResource } from "../state/drift.ts";
import type { DeploymentEvent } from "../state/statuses.ts";
import { accessFor, deploy, deploymentOf, nodeOf, prepare, specOf } from "./app-kind.ts";
import type { DriftSupport } from "./drift-runs.ts";
import { urnName } from "./events.ts";
import { OperationRefused, type Run } from "./kind.ts";
import { NodeUnreachable, runOnNode } from "./node-exec.ts";
import type { PlannedStep } from "./plan.ts";
import { resourcesIn } from "./recover.ts";

const IMAGE_RESOURCE = "image";
/** Containers the stack does not hold but that carry the deployment's label. */
const STRAY_TYPE = "docker:container";

/** The stack's resources by name (the container and image steps). */
async function stackUrns(stack: Stack): Promise<Map<string, { urn: string; type: string }>> {
  return new Map(resourcesIn(await stack.exportStack()).filter((r) => r.type === "command:remote:Command").map((r) => [urnName(r.urn), r]));
}

/** What the node shows, compared with what the stack declares and recorded. Pure, for the tests. */
export function containerDrift(o: { name: string; ref: string; imageId: string; container?: { urn: string; type: string }; image?: { urn: string; type: string } }, seen: Inspected): DriftedResource[] {
  const out: DriftedResource[] = [];
  if (o.container) {
    const c = { urn: o.container.urn, name: CONTAINER_RESOURCE, type: o.container.type };
    if (!seen.container) out.push({ ...c, kind: "deleted", properties: [] });
    else {
      const props: DriftedProperty[] = [];
      if (seen.container.status !== "running") props.push({ property: "state", declared: "running", actual: seen.container.status });
      if (seen.container.imageRef !== o.ref) props.push({ property: "image", declared: o.ref, actual: seen.container.imageRef });
      if (o.imageId && seen.container.imageId !== o.imageId) props.push({ property: "imageId", declared: o.imageId, actual: seen.container.imageId });
      if (props.length) out.push({ ...c, kind: "changed", properties: props });
    }
  }
  if (o.image && o.imageId && seen.imageId !== o.imageId) {
    out.push({ urn: o.image.urn, name: IMAGE_RESOURCE, type: o.image.type, kind: "changed", properties: [{ property: `${o.ref} resolves to`, declared: o.imageId, actual: seen.imageId ?? "(no such image)" }] });
  }
  for (const name of seen.labelled.filter((n) => n !== o.name)) {
    out.push({ urn: `${STRAY_TYPE}::${name}`, name, type: STRAY_TYPE, kind: "unexpected", properties: [{ property: "container", actual: name }] });
  }
  return out;
}

/** Runs a command on the deployment's node; an unreachable node fails the operation in words. */
async function onNode(run: Run, line: (sudo: boolean) => string) {
  const d = deploymentOf(run, run.op.deploymentId!);
  const access = accessFor(run, nodeOf(run, d));
  try {
    const res = await runOnNode(access, line(access.user !== "root"), { timeoutMs: 60_000, signal: run.signal });
    if (res.code !== 0) throw new Error((res.stderr || res.stdout).trim().slice(0, 300) || `exit status ${res.code}`);
    return res.stdout;
  } catch (err) {
    const why = err instanceof NodeUnreachable ? `the node does not answer: ${err.message}` : (err as Error).message;
    throw new OperationRefused({ reason: `Hoist could not inspect the container on its node: ${why}`, code: "node_unreachable", action: "Check that the node is online (its server's page), then check again.", retryable: true, auth: false });
  }
}

const strays = (resources: DriftedResource[]) => resources.filter((r) => r.type === STRAY_TYPE).map((r) => r.name);

export const appDrift: DriftSupport = {
  targets: (ctx) =>
    listDeployments(ctx.db, { userId: "", all: true })
      .filter((d) => d.status === "running")
      .map((d) => ({ stack: d.stack, stackKind: "app", userId: d.userId, deploymentId: d.id })),

  subject(ctx, op) {
    const d = op.deploymentId ? deploymentById(ctx.db, op.deploymentId) : undefined;
    if (!d) return { skip: "the deployment is gone" };
    if (d.status !== "running") return { skip: `the deployment is ${d.status}` };
    return { stack: d.stack, stackKind: "app", userId: d.userId, deploymentId: d.id };
  },

  open: async (run) => (await prepare(run)).stack,

  async inspect(run, stack) {
    const d = deploymentOf(run, run.op.deploymentId!);
    const spec = specOf(d);
    const urns = await stackUrns(stack);
    const seen = parseInspect(await onNode(run, (sudo) => inspectCommand(spec, sudo)));
    const imageId = typeof d.outputs?.imageId === "string" ? d.outputs.imageId : "";
    return containerDrift({ name: containerName(d.slug), ref: `${spec.image}:${spec.tag}`, imageId, container: urns.get(CONTAINER_RESOURCE), image: urns.get(IMAGE_RESOURCE) }, seen);
  },

  async replaceFor(stack, resources) {
    const urns = await stackUrns(stack);
    const replaced = new Set<string>();
    for (const r of resources) {
      if (r.type === STRAY_TYPE) continue;
      // The image step is run again when its tag moved, and the container is run again either way.
      if (urnName(r.urn) === IMAGE_RESOURCE) replaced.add(r.urn);
      const container = urns.get(CONTAINER_RESOURCE);
      if (container) replaced.add(container.urn);
    }
    return [...replaced];
  },

  hoistSteps(_ctx, _op, resources): PlannedStep[] {
    return strays(resources).map((name) => ({ urn: `${STRAY_TYPE}::${name}`, name, type: STRAY_TYPE, op: "delete", properties: [] }));
  },

  async restore(run, { replace, onEvent, resources }) {
    const names = strays(resources);
    if (names.length) {
      await onNode(run, (sudo) => removeContainersCommand(names, sudo));
      run.record({ type: "log", text: `Removed ${names.join(", ")}: they carried the deployment's label, but its stack does not hold them.` });
    }
    await deploy(run, { refresh: true, replace, onEvent });
  },

  async afterAccept(run, _stack, inspected) {
    const d = deploymentOf(run, run.op.deploymentId!);
    saveSettings(run.db, { stack: d.stack, deploymentId: d.id }, { accepted: inspected as unknown[] }, null);
    if (inspected.length) run.record({ type: "log", text: `Accepted what the node shows (${inspected.map((r) => r.name).join(", ")}): later checks report only what changes from it.` });
  },

  queueRestore: (ctx, id) => moveDeployment(ctx.db, id, "update_requested", {}, ["running"]) !== undefined,

  unchanged: (run) => void run.move("unchanged" satisfies DeploymentEvent),
};
