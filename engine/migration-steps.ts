// What each step of one deployment's move does (state/statuses.ts migrationPlans gives their
// order), and its rollback. A step is written to the database before it is acted on, and each
// is safe to do again: a run taken over after a crash repeats the step it finds.
import { RouteUnhealthyError, type Target } from "../gateway/routes.ts";
import type { AppSpec } from "../stacks/app.ts";
import { moveDeployment, updateDeployment, type Deployment } from "../state/deployments.ts";
import { requestPause, updateItem, type Migration, type MigrationItem, type MigrationSettings } from "../state/app-migrations.ts";
import type { Node } from "../state/nodes.ts";
import { migrationPolicy, type MigrationStep } from "../state/statuses.ts";
import { healthTarget } from "./app-kind.ts";
import { containerOn, copyVolumes, destroyCopy, upCopy } from "./app-copy.ts";
import { declareRoute, routeSpecOf } from "./app-route.ts";
import { waitHealthy } from "./health.ts";
import type { GatewayPort, Run } from "./kind.ts";
import { measure, TrafficWatch } from "./migration-watch.ts";

/** A step that failed in a way the operator can act on: the deployment is rolled back. */
export class StepFailed extends Error {
  constructor(
    message: string,
    readonly action: string,
  ) {
    super(message);
    this.name = "StepFailed";
  }
}

/** Everything one deployment's steps work with. */
export interface Move {
  run: Run;
  gateway: GatewayPort;
  migration: Migration;
  settings: MigrationSettings;
  item: MigrationItem;
  d: Deployment;
  /** Where it runs now, and where it goes. */
  from: Node;
  to: Node;
  /** Its spec on the old node, and on the new one. */
  fromSpec: AppSpec;
  copySpec: AppSpec;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hostnameOf = (m: Move) => m.gateway.routes.info(m.d.id)?.hostname;
const sameTarget = (a: Target | undefined, b: Target | null) => !!a && !!b && a.address === b.address && a.port === b.port;

/** Writes the item's step (and what it measured) before that step is acted on. */
export function reach(m: Move, step: MigrationStep, patch: Partial<MigrationItem> = {}): void {
  m.item = updateItem(m.run.db, m.item.id, { step, ...patch });
  m.run.record({ type: "log", text: `${m.d.name}: ${step.replace(/_/g, " ")}` });
}

/** Watches traffic while `during` runs; asks the migration to pause itself when it degrades. */
async function watched<T>(m: Move, during: (watch: TrafficWatch) => Promise<T>): Promise<T> {
  const hostname = hostnameOf(m);
  if (!hostname) return during(new TrafficWatch(m.gateway.settings, "", 0, m.settings));
  const watch = new TrafficWatch(m.gateway.settings, hostname, m.item.beforeMs ?? 0, m.settings).start();
  try {
    return await during(watch);
  } finally {
    await watch.stop();
    const why = watch.degraded();
    if (why && requestPause(m.run.db, m.migration.id, `Paused by Hoist while moving ${m.d.name}: ${why}. Check the new node's load and the copy's logs, then Resume, or Cancel to move the traffic back.`)) {
      m.run.record({ type: "log", text: `${m.d.name}: traffic degraded (${why}); pausing.` });
    }
  }
}

const unhealthyAction = (m: Move) =>
  `Check the copy on ${m.to.name}: its container's logs (docker logs hoist-${m.d.slug}), that its port ${m.copySpec.ports.map((p) => p.host).join(", ")} is free there and the node has the resources the app needs; then start a new migration.`;

/** The action of each step but the settled ones. */
export const stepActions: Record<Exclude<MigrationStep, "moved" | "rolled_back" | "skipped" | "rolling_back">, (m: Move) => Promise<void>> = {
  async waiting(m) {
    if (!m.gateway.routes.info(m.d.id)) await declareRoute(m.run, m.d, m.fromSpec);
    const hostname = hostnameOf(m);
    if (hostname && m.item.beforeMs === null) reach(m, "waiting", { beforeMs: await measure(m.gateway.settings, hostname) });
  },
  async deploying_copy(m) {
    await upCopy(m.run, m.d, m.item.copyStack, m.to, m.copySpec);
  },
  async stopping_old(m) {
    if (!m.item.downtimeFrom) reach(m, "stopping_old", { downtimeFrom: new Date() });
    m.run.record({ type: "log", text: `${m.d.name} has volumes: it stops on ${m.from.name} while its data is copied (an announced downtime).` });
    await containerOn(m.run, m.from, m.d.slug, "stop");
    await containerOn(m.run, m.to, m.d.slug, "stop");
  },
  async copying_data(m) {
    await copyVolumes(m.run, m.from, m.to, m.fromSpec);
  },
  async starting_copy(m) {
    await containerOn(m.run, m.to, m.d.slug, "start");
  },
  async checking_copy(m) {
    const health = await waitHealthy(healthTarget(m.copySpec), { timeoutMs: m.settings.healthSeconds * 1000, signal: m.run.signal });
    if (!health.ok) throw new StepFailed(`The copy of ${m.d.name} on ${m.to.name} did not pass its health check within ${m.settings.healthSeconds} s: ${health.detail}`, unhealthyAction(m));
    m.run.record({ type: "log", text: `${m.d.name}: the copy is healthy (${health.detail}).` });
  },
  async switching(m) {
    const toCopy = async () => {
      try {
        await m.gateway.routes.switch(m.d.id, m.item.copyTarget!, { healthTimeoutMs: m.settings.healthSeconds * 1000, drainTimeoutMs: m.settings.graceSeconds * 1000 });
      } catch (err) {
        if (err instanceof RouteUnhealthyError) throw new StepFailed(`The gateway's health check of the copy of ${m.d.name} on ${m.to.name} failed: ${err.message}`, unhealthyAction(m));
        throw err;
      }
    };
    // A stateful app's old copy is stopped: its requests fail until the switch is done, which is
    // the announced downtime (measured below), not a degradation. Its copy is watched once it serves.
    await (m.item.stateful ? toCopy() : watched(m, toCopy));
    if (m.item.downtimeFrom) reach(m, "switching", { downtimeMs: Date.now() - m.item.downtimeFrom.getTime() });
  },
  async observing(m) {
    await watched(m, async (watch) => {
      for (const until = Date.now() + m.settings.watchSeconds * 1000; Date.now() < until; await sleep(250)) {
        m.run.signal.throwIfAborted();
        const copy = (await m.gateway.routes.backends(m.d.id)).find((b) => sameTarget(b, m.item.copyTarget));
        if (copy?.health === "down") throw new StepFailed(`The copy of ${m.d.name} on ${m.to.name} failed the gateway's health check after the switch`, unhealthyAction(m));
        if (watch.degraded()) return;
      }
    });
  },
  async removing_old(m) {
    await destroyCopy(m.run, m.d, m.item.fromStack, m.from, m.fromSpec);
    const hostname = hostnameOf(m);
    const afterMs = hostname ? await measure(m.gateway.settings, hostname) : null;
    // The deployment now lives on the new node: its stack is the copy's (a revision of the same app).
    m.run.db.transaction(() => {
      updateDeployment(m.run.db, m.d.id, { nodeId: m.to.id, stack: m.item.copyStack, spec: m.copySpec as unknown as Record<string, unknown> });
      moveDeployment(m.run.db, m.d.id, "migrated");
      reach(m, "moved", { afterMs });
    });
  },
};

/**
 * Rolls one deployment back: its old copy started again if it was stopped, the gateway on the
 * old copy (switched back through health checks if it had moved), the copy removed.
 */
export async function rollBack(m: Move, cause: string, action: string): Promise<void> {
  const was = m.item.step;
  if (was !== "rolling_back") reach(m, "rolling_back", { cause, action });
  m.run.record({ type: "log", text: `${m.d.name}: rolling back: ${cause}` });
  // Starting a running container changes nothing: after a crash mid-rollback it is not known whether it was stopped.
  if (m.item.stateful && (was === "rolling_back" || migrationPolicy.oldStopped(was, true))) await containerOn(m.run, m.from, m.d.slug, "start");
  const route = m.gateway.routes.info(m.d.id);
  if (route && !sameTarget(route.target, m.item.fromTarget) && m.item.fromTarget) {
    await m.gateway.routes.switch(m.d.id, m.item.fromTarget, { healthTimeoutMs: m.settings.healthSeconds * 1000, drainTimeoutMs: m.settings.graceSeconds * 1000 });
  } else {
    // The copy may have joined without traffic: the route is declared on the old copy alone again.
    const spec = routeSpecOf(m.d, m.fromSpec);
    if (route && spec) await m.gateway.routes.declare(m.d.id, spec);
  }
  await destroyCopy(m.run, m.d, m.item.copyStack, m.to, m.copySpec);
  m.run.db.transaction(() => {
    moveDeployment(m.run.db, m.d.id, "migrated");
    reach(m, "rolled_back");
  });
}
