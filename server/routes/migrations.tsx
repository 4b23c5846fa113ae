// The Migrations tab under /migrations: the list, the confirmation that starts one (the dedicated
// node wizard links to /migrations/new?node=<id>&deployments=<id>,<id>), a migration's live page
// (the same machinery as a server's), and Pause / Resume / Cancel after confirming.
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import type { AppSpec } from "../../stacks/app.ts";
import { findNodeById } from "../../state/nodes.ts";
import { isBusy, migrationMachine, migrationPolicy } from "../../state/statuses.ts";
import { CancelMigrationPage, NewMigrationPage } from "../../views/migration-forms.tsx";
import { MigrationBody, MigrationPage, MigrationsPage, MIGRATION_BODY, type MigrationBodyProps } from "../../views/migration-page.tsx";
import { requireWriter } from "../actions/guards.ts";
import { cancelMigration, createMigration, getMigration, listMigrations, migrationItems, migrationOperations, pauseMigration, planMigration, resumeMigration, type Migration } from "../actions/migrations.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { liveRoutes, type LiveState, type LiveSubject } from "../live-page.tsx";
import { migrationView } from "../migration-views.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { operationView } from "../view-models.ts";

export function migrationRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";

  app.get("/", (c) => c.html(<MigrationsPage {...pageBase(c)} canWrite={canWrite(c)} now={new Date()} migrations={listMigrations(deps, actorOf(c)).map((m) => migrationView(deps, m))} />));

  app.get("/new", (c) => {
    requireWriter(actorOf(c));
    const plan = planMigration(deps, actorOf(c), { nodeId: c.req.query("node") ?? "", deployments: c.req.query("deployments") ?? "" });
    const deployments = plan.deployments.map((d) => {
      const spec = d.spec as unknown as AppSpec;
      const from = d.nodeId ? findNodeById(deps.db, d.nodeId)?.name : undefined;
      return { id: d.id, name: d.name, app: deps.catalog.find((a) => a.id === d.app)?.name ?? d.app, from: from ?? "gone", volumes: spec.volumes.map((v) => v.name) };
    });
    const node = plan.node && { id: plan.node.id, name: plan.node.name, address: plan.node.address };
    return c.html(<NewMigrationPage {...pageBase(c)} canWrite node={node ?? null} deployments={deployments} problems={plan.problems} />);
  });

  app.post("/", async (c) => {
    const form = await formOf(c);
    const { migration } = createMigration(deps, actorOf(c), { nodeId: form.nodeId ?? "", deployments: form.deployments ?? "" });
    setFlash(c, "ok", "The migration started: each deployment moves in turn, shown below as it goes.");
    return c.redirect(`/migrations/${migration.id}`, 303);
  });

  // ---- one migration ----

  const versionOf = (m: Migration) =>
    createHash("sha256")
      .update(JSON.stringify([m.status, m.updatedAt?.getTime(), m.pauseRequested, m.cancelRequested, migrationItems(deps, m).map((i) => [i.step, i.updatedAt?.getTime()])]))
      .digest("base64url")
      .slice(0, 12);

  const bodyProps = (c: Context<Env>, m: Migration, state: LiveState): MigrationBodyProps => ({
    m: migrationView(deps, m),
    op: state.op && operationView(state.op),
    live: state.live,
    canWrite: canWrite(c),
    csrf: c.get("csrf"),
    now: new Date(),
    streamUrl: state.streamUrl,
    pollUrl: state.pollUrl,
    pollSeconds: state.pollSeconds,
  });

  const subject: LiveSubject<Migration> = {
    base: (id) => `/migrations/${id}`,
    load: (c, id) => getMigration(deps, actorOf(c), id),
    id: (m) => m.id,
    operations: (m) => migrationOperations(deps, m),
    owns: (m, op) => op.stack === m.stack,
    version: versionOf,
    // A paused one is polled too: it may be resumed or cancelled from elsewhere.
    busy: (m) => isBusy(migrationMachine, m.status),
    final: (m) => !isBusy(migrationMachine, m.status) && m.status !== "paused",
    look: { bodyId: MIGRATION_BODY, busy: (s) => isBusy(migrationMachine, s as Migration["status"]), statusLabel: "Migration status" },
    page: (c, m, state) => <MigrationPage {...pageBase(c)} {...bodyProps(c, m, state)} />,
    body: (c, m, state) => <MigrationBody {...bodyProps(c, m, state)} />,
  };
  liveRoutes(app, deps, subject);

  const back = (c: Context<Env>, id: string, text: string) => {
    setFlash(c, "ok", text);
    return c.redirect(`/migrations/${id}`, 303);
  };

  app.post("/:id/pause", (c) => {
    pauseMigration(deps, actorOf(c), c.req.param("id"));
    return back(c, c.req.param("id"), "Pausing: the migration stops after the step under way; the gateway stays where it is.");
  });
  app.post("/:id/resume", (c) => {
    resumeMigration(deps, actorOf(c), c.req.param("id"));
    return back(c, c.req.param("id"), "Resumed: each deployment goes on from the step it reached.");
  });
  app.get("/:id/cancel", (c) => {
    requireWriter(actorOf(c));
    const m = getMigration(deps, actorOf(c), c.req.param("id"));
    const inFlight = migrationItems(deps, m).find((i) => !migrationPolicy.settled(i.step) && i.step !== "waiting");
    return c.html(<CancelMigrationPage {...pageBase(c)} canWrite id={m.id} inFlight={inFlight ? migrationView(deps, m).items.find((v) => v.deploymentId === inFlight.deploymentId)?.name : undefined} />);
  });
  app.post("/:id/cancel", (c) => {
    cancelMigration(deps, actorOf(c), c.req.param("id"));
    return back(c, c.req.param("id"), "Cancelling: the deployment in flight is rolled back; the others stay where they run.");
  });

  return app;
}
