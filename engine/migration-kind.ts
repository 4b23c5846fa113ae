// The migration kind: moves deployments to a dedicated node, one after another, each by the steps
// of state/statuses.ts migrationPlans (engine/migration-steps.ts). Its subject is a migration row;
// its one operation, `migrate`, goes on from the step each deployment reached, so a pause, a
// resume and a crash (the operation is queued again when a worker takes it over) all continue
// where it was. Pause and cancel are columns the runner polls between steps; cancel rolls back
// the deployment in flight.
import type { AppSpec } from "../stacks/app.ts";
import { deploymentById, moveDeployment } from "../state/deployments.ts";
import { itemsOf, migrationById, moveMigration, updateItem, type Migration, type MigrationItem, type MigrationSettings } from "../state/app-migrations.ts";
import { findNodeById, type Node } from "../state/nodes.ts";
import { migrationMachine, migrationPlans, migrationPolicy, type MigrationEvent, type MigrationStatus } from "../state/statuses.ts";
import { specOf } from "./app-kind.ts";
import { OperationRefused, type GatewayPort, type KindContext, type Run, type StackKind } from "./kind.ts";
import { reach, rollBack, stepActions, StepFailed, type Move } from "./migration-steps.ts";

class Paused extends Error {}
class Cancelled extends Error {}

const idOf = (run: Run) => String(run.op.params.migrationId);

function migrationOf(ctx: KindContext, id: string): Migration {
  const m = migrationById(ctx.db, id);
  if (!m) throw new Error(`migration ${id} is gone`);
  return m;
}

/** Between two steps: stops here when a pause or a cancel was asked for. */
function control(run: Run): void {
  const m = migrationOf(run, idOf(run));
  if (m.cancelRequested) throw new Cancelled();
  if (m.pauseRequested) throw new Paused(m.pauseReason ?? "paused");
}

/**
 * The stateful steps from stopping the old copy until the gateway is switched are one stretch
 * of downtime: nothing pauses inside it.
 */
const inDowntime = (item: MigrationItem) => item.stateful && ["copying_data", "starting_copy", "checking_copy", "switching"].includes(item.step);

function requireGateway(run: Run): GatewayPort {
  if (run.gateway?.running) return run.gateway;
  throw new OperationRefused({
    reason: "The gateway is not running: a migration moves each deployment's route through it",
    code: "gateway_off",
    action: "Start the gateway (HOIST_GATEWAY, HAProxy installed), then resume the migration.",
    retryable: true,
    auth: false,
  });
}

function nodeById(run: Run, id: string | null, what: string): Node {
  const node = id ? findNodeById(run.db, id) : undefined;
  if (!node) throw new OperationRefused({ reason: `The ${what} is gone`, code: "no_node", action: "Cancel the migration; its deployments stay where they run.", retryable: false, auth: false });
  return node;
}

function moveOf(run: Run, gateway: GatewayPort, migration: Migration, item: MigrationItem): Move | undefined {
  const d = item.deploymentId ? deploymentById(run.db, item.deploymentId) : undefined;
  if (!d) return undefined;
  const from = nodeById(run, item.fromNodeId, `node ${d.name} runs on`);
  const to = nodeById(run, migration.nodeId, "node the migration moves to");
  const settings = migration.settings as unknown as MigrationSettings;
  return { run, gateway, migration, settings, item, d, from, to, fromSpec: specOf(d), copySpec: item.copySpec as unknown as AppSpec };
}

/** Takes one deployment through its plan's steps from the one it reached; a failing step rolls it back. */
async function moveOne(m: Move): Promise<void> {
  const plan = migrationPlans[m.item.stateful ? "stateful" : "stateless"];
  while (!migrationPolicy.settled(m.item.step)) {
    if (m.item.step === "rolling_back") return rollBack(m, m.item.cause ?? "rolled back", m.item.action ?? "");
    if (!inDowntime(m.item)) control(m.run);
    const step = m.item.step as keyof typeof stepActions;
    try {
      await stepActions[step](m);
    } catch (err) {
      // A shutdown or deadline stops here: the step is done again by the next run.
      if (m.run.signal.aborted) throw err;
      const failed = err instanceof StepFailed ? err : new StepFailed(`${m.d.name}: ${step.replace(/_/g, " ")} failed: ${(err as Error).message}`, "Read this migration's log for the step that failed, fix what it names, then start a new migration.");
      return rollBack(m, failed.message, failed.action);
    }
    if (m.item.step === step) reach(m, plan[plan.indexOf(step) + 1]!);
  }
}

/** Cancel: the deployment in flight is rolled back, those not reached stay where they run. */
async function cancelAll(run: Run, gateway: GatewayPort, migration: Migration): Promise<void> {
  for (const item of itemsOf(run.db, migration.id)) {
    if (migrationPolicy.settled(item.step)) continue;
    if (item.step === "waiting") {
      run.db.transaction(() => {
        updateItem(run.db, item.id, { step: "skipped" });
        if (item.deploymentId) moveDeployment(run.db, item.deploymentId, "migrated");
      });
      continue;
    }
    const m = moveOf(run, gateway, migration, item);
    if (m) await rollBack(m, "The migration was cancelled", "Nothing to do: it runs on its old node as before.");
  }
  run.move("cancelled" satisfies MigrationEvent, { finishedAt: new Date(), cancelRequested: false });
}

async function migrate(run: Run): Promise<void> {
  const gateway = requireGateway(run);
  run.move("started" satisfies MigrationEvent);
  const migration = migrationOf(run, idOf(run));
  try {
    for (const item of itemsOf(run.db, migration.id)) {
      if (migrationPolicy.settled(item.step)) continue;
      const m = moveOf(run, gateway, migration, item);
      if (!m) {
        updateItem(run.db, item.id, { step: "skipped", cause: "The deployment was removed" });
        continue;
      }
      await moveOne(m);
    }
  } catch (err) {
    if (err instanceof Paused) {
      run.record({ type: "log", text: err.message });
      run.move("paused" satisfies MigrationEvent, { pauseRequested: false });
      return;
    }
    if (err instanceof Cancelled) return cancelAll(run, gateway, migration);
    throw err;
  }
  const rolled = itemsOf(run.db, migration.id).filter((i) => i.step === "rolled_back");
  if (rolled.length === 0) return void run.move("finished" satisfies MigrationEvent, { finishedAt: new Date() });
  run.move("failed" satisfies MigrationEvent, {
    finishedAt: new Date(),
    errorReason: rolled.map((i) => i.cause).join("; "),
    errorCode: "rolled_back",
    errorAction: rolled[0]!.action,
    retryable: false,
  });
}

export const migrationKind: StackKind = {
  id: "migration",
  words: { subject: "migration", remove: "cancel" },
  machine: migrationMachine,
  subjectOf: (op) => (typeof op.params.migrationId === "string" ? op.params.migrationId : undefined),
  // Its operations name it in their params (no column of its own), and it has no Pulumi program
  // of its own for a shell to preview or apply: `hoist stacks` lists the deployments' stacks instead.
  refOf: () => ({}),
  subjects: () => [],
  move: (db, id, event, patch, from) => moveMigration(db, id, event as MigrationEvent, patch, from as MigrationStatus[]),
  // No Pulumi program of its own: its steps run the deployments' app stacks.
  inputs: (ctx, id) => ({ stack: migrationOf(ctx, id).stack, config: {} }),
  runners: { migrate },
  resumesAfterCrash: true,
  holdsData: () => false,
  explain: (_ctx, _op, err) => ({
    reason: `The migration stopped: ${err instanceof Error ? err.message : String(err)}`,
    code: "migration",
    action: "Resume to go on from the step each deployment reached, or Cancel to roll back the one in flight.",
    retryable: true,
    auth: false,
  }),
};
