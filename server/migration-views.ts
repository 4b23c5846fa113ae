// A migration as its page and the JSON API show it: one row per deployment with the step it
// reached, what it measured, and why it was rolled back.
import { deploymentById } from "../state/deployments.ts";
import { findNodeById } from "../state/nodes.ts";
import { isBusy, migrationMachine, migrationPolicy } from "../state/statuses.ts";
import type { MigrationView } from "../views/migration-page.tsx";
import { migrationItems, migrationOperations, type Migration } from "./actions/migrations.ts";
import { headroomNear } from "./actions/usage.ts";
import type { Deps } from "./env.ts";

const nodeName = (deps: Deps, id: string | null) => (id ? (findNodeById(deps.db, id)?.name ?? "gone") : "gone");

export function migrationView(deps: Deps, m: Migration): MigrationView {
  const op = migrationOperations(deps, m)[0];
  return {
    id: m.id,
    status: m.status,
    busy: isBusy(migrationMachine, m.status),
    node: m.nodeId ? { id: m.nodeId, name: nodeName(deps, m.nodeId) } : null,
    pauseRequested: m.pauseRequested,
    cancelRequested: m.cancelRequested,
    pauseReason: m.pauseReason,
    error: m.errorReason ? { reason: m.errorReason, action: m.errorAction } : null,
    can: { pause: migrationPolicy.canPause(m.status) && !m.pauseRequested, resume: migrationPolicy.canResume(m.status), cancel: migrationPolicy.canCancel(m.status) && !m.cancelRequested },
    operationId: op?.id ?? null,
    settings: m.settings as unknown as MigrationView["settings"],
    items: migrationItems(deps, m).map((i) => {
      const d = i.deploymentId ? deploymentById(deps.db, i.deploymentId) : undefined;
      return {
        deploymentId: i.deploymentId,
        name: d?.name ?? "removed",
        stateful: i.stateful,
        step: i.step,
        from: nodeName(deps, i.fromNodeId),
        hostname: i.deploymentId ? (deps.gateway.routes.info(i.deploymentId)?.hostname ?? null) : null,
        cause: i.cause,
        action: i.action,
        beforeMs: i.beforeMs,
        afterMs: i.afterMs,
        downtimeMs: i.downtimeMs,
        // The old node's headroom when the migration started; the new node's once this one moved.
        headroom: {
          before: headroomNear(deps, i.fromNodeId, m.createdAt, "before"),
          after: i.step === "moved" && i.updatedAt ? headroomNear(deps, m.nodeId, i.updatedAt, "after") : null,
        },
      };
    }),
    createdAt: m.createdAt,
    finishedAt: m.finishedAt,
  };
}

/** The same, as the JSON API returns it. */
export function migrationJson(deps: Deps, m: Migration) {
  const v = migrationView(deps, m);
  return { ...v, createdAt: v.createdAt.toISOString(), finishedAt: v.finishedAt?.toISOString() ?? null };
}
