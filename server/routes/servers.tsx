// The Cloud Servers tab under /nodes/cloud: the list, the server page with its live stream, and
// the server's actions. Creating one is in server-create.tsx.
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import { deploymentsOnNode } from "../../state/deployments.ts";
import { driftVersion } from "../../state/drift.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { serverChanges } from "../../state/changes.ts";
import { openChanges } from "../change-views.ts";
import type { Server } from "../../state/servers.ts";
import { can, serverMachine, serverPolicy } from "../../state/statuses.ts";
import { CloudServersPage, DestroyServerPage, ServersTable } from "../../views/servers.tsx";
import { ServerBody, ServerPage, type ServerBodyProps } from "../../views/server-page.tsx";
import { requireWriter } from "../actions/guards.ts";
import { serverCreateRoutes } from "./server-create.tsx";
import { serverChangeRoutes } from "./server-changes.tsx";
import {
  cancelOperation,
  destroyServer,
  getOperation,
  getServer,
  isBusy,
  listServers,
  operationsOf,
  powerServer,
  retryServer,
} from "../actions/servers.ts";
import type { Deps, Env } from "../env.ts";
import { ConflictError, fieldMap, InvalidInputError, NotFoundError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { liveRoutes, liveState, type LiveState, type LiveSubject } from "../live-page.tsx";
import { driftMarks } from "../drift-views.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { nodeDeploymentViews } from "../deployment-views.ts";
import { cloudOptions, givenFilters, pagerLinks, readOrRefuse } from "../lists.ts";
import { nodeUsageView } from "../actions/usage.ts";
import { refusedForRegion } from "../actions/relocate.ts";
import { relocateRoutes } from "./relocate.tsx";
import { dedicatedView } from "../dedicated-views.ts";
import { credentialPicks, operationView, ownersFor, sameCloudCredentials, serverCloudsLabel, serverView, serverViewOf } from "../view-models.ts";

export function serverRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";

  /** This request's page of the list: its rows, page controls and refresh link. */
  const list = (c: Context<Env>) => {
    const actor = actorOf(c);
    const { query, page } = listServers(deps, actor, c.req.query());
    const links = pagerLinks("/nodes/cloud", query, page, "/nodes/cloud/table");
    const mark = driftMarks(deps, page.rows.map((r) => r.server.stack));
    return { servers: page.rows.map((r) => serverView(actor, r, mark(r.server.stack))), pager: links, refresh: links.selfHref };
  };

  app.get("/", (c) => {
    const hasCredential = credentialPicks(deps, actorOf(c)).picks.length > 0;
    const { list: shown, errors } = readOrRefuse(c, () => list(c));
    return c.html(
      <CloudServersPage
        {...pageBase(c)}
        canWrite={canWrite(c)}
        list={shown}
        filters={givenFilters(c, ["status", "cloud", "q"])}
        errors={errors}
        cloudOptions={cloudOptions()}
        hasCredential={hasCredential}
        serverClouds={serverCloudsLabel()}
      />,
    );
  });

  app.get("/table", (c) => c.html(<ServersTable {...list(c)} now={new Date()} />));

  app.route("/", serverCreateRoutes(deps));
  app.route("/", serverChangeRoutes(deps));
  app.route("/", relocateRoutes(deps));

  // ---- one server ----

  const versionOf = (s: Server) => {
    const n = nodeOfServer(deps.db, s.id);
    return createHash("sha256")
      .update(JSON.stringify([s.status, s.updatedAt?.getTime(), s.credentialId, n?.state, n?.stateReason, n && deploymentsOnNode(deps.db, n.id).map((d) => [d.id, d.status]), driftVersion(deps.db, s.stack)]))
      .digest("base64url")
      .slice(0, 12);
  };

  function bodyProps(c: Context<Env>, server: Server, state: LiveState, errors: Record<string, string> = {}): ServerBodyProps {
    const actor = actorOf(c);
    const owners = ownersFor(deps, actor);
    const view = serverViewOf(deps, actor, server);
    const node = nodeOfServer(deps.db, server.id);
    return {
      server: view,
      nodeUsage: node && nodeUsageView(deps, node),
      dedicated: dedicatedView(deps, server),
      regionalFailure: refusedForRegion(server),
      nodeApps: view.node && { deployments: nodeDeploymentViews(deps, actor, view.node.id, owners), canHost: serverPolicy.canHost(server.status) },
      op: state.op && operationView(state.op),
      live: state.live,
      history: state.history.map(operationView),
      actions: {
        retry: serverPolicy.canRetry(server.status),
        destroy: can(serverMachine, server.status, "destroy_requested"),
        stop: can(serverMachine, server.status, "stop_requested"),
        start: can(serverMachine, server.status, "start_requested"),
        cancel: state.running && !state.pinned,
        check: serverPolicy.nodeCheckable(server.status),
        change: serverPolicy.canChange(server.status),
      },
      canWrite: actor.user.role !== "viewer",
      csrf: c.get("csrf"),
      now: new Date(),
      options: sameCloudCredentials(deps, actor, view),
      errors,
      streamUrl: state.streamUrl,
      pollUrl: state.pollUrl,
      pollSeconds: state.pollSeconds,
      openChanges: openChanges(serverChanges(deps.db, server.id)),
    };
  }

  const subject: LiveSubject<Server> = {
    base: (id) => `/nodes/cloud/${id}`,
    load: (c, id) => getServer(deps, actorOf(c), id),
    id: (s) => s.id,
    operations: (s) => operationsOf(deps, s),
    owns: (s, op) => op.serverId === s.id,
    version: versionOf,
    busy: isBusy,
    final: (s) => s.status === "destroyed",
    page: (c, s, state) => <ServerPage {...pageBase(c)} {...bodyProps(c, s, state)} />,
    body: (c, s, state) => <ServerBody {...bodyProps(c, s, state)} />,
  };
  liveRoutes(app, deps, subject);

  const serverPage = (c: Context<Env>, server: Server, errors: Record<string, string>) =>
    c.html(<ServerPage {...pageBase(c)} {...bodyProps(c, server, liveState(subject, deps, server), errors)} />);

  // ---- actions: each answers with the server page (303), the confirmation page, or the errors ----

  const back = (c: Context<Env>, id: string, text: string) => {
    setFlash(c, "ok", text);
    return c.redirect(`/nodes/cloud/${id}`, 303);
  };

  app.post("/:id/retry", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    try {
      retryServer(deps, actorOf(c), id, { credentialId: form.credentialId || undefined });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      return serverPage(c, getServer(deps, actorOf(c), id), fieldMap(err));
    }
    return back(c, id, "Retrying: the operation is queued again.");
  });

  app.post("/:id/stop", (c) => {
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    powerServer(deps, actorOf(c), server.id, "off");
    return back(c, server.id, `Stopping ${server.name}.`);
  });

  app.post("/:id/start", (c) => {
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    powerServer(deps, actorOf(c), server.id, "on");
    return back(c, server.id, `Starting ${server.name}.`);
  });

  app.post("/:id/cancel", async (c) => {
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    const { operationId } = await formOf(c);
    const op = getOperation(deps, actorOf(c), typeof operationId === "string" ? operationId : "");
    if (op.serverId !== server.id) throw new NotFoundError("operation");
    cancelOperation(deps, actorOf(c), op.id);
    return back(c, server.id, "Cancelling: Pulumi stops at the next safe point.");
  });

  const destroyPage = (c: Context<Env>, server: Server, errors: Record<string, string> = {}) => {
    const actor = actorOf(c);
    const view = serverViewOf(deps, actor, server);
    const runningCreate = operationsOf(deps, server).some((o) => o.status === "running" && o.kind !== "destroy");
    const node = nodeOfServer(deps.db, server.id);
    const deployments = (node ? deploymentsOnNode(deps.db, node.id) : []).map((d) => ({ name: d.name, app: d.app }));
    return c.html(<DestroyServerPage {...pageBase(c)} canWrite server={view} options={sameCloudCredentials(deps, actor, view)} runningCreate={runningCreate} deployments={deployments} errors={errors} />);
  };

  app.get("/:id/destroy", (c) => {
    requireWriter(actorOf(c));
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    if (!can(serverMachine, server.status, "destroy_requested")) throw new ConflictError(`The server is ${server.status}; it cannot be destroyed now.`);
    return destroyPage(c, server);
  });

  app.post("/:id/destroy", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    try {
      destroyServer(deps, actorOf(c), id, { credentialId: form.credentialId || undefined, removeDeployments: form.removeDeployments });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      return destroyPage(c, getServer(deps, actorOf(c), id), fieldMap(err));
    }
    return back(c, id, "Destroying: the server, its firewall and its SSH key are being deleted at the provider.");
  });

  return app;
}
