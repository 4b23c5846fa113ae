// The Cloud Servers tab under /nodes/cloud: the list, the server page with its live stream, and
// the server's actions. Creating one is in server-create.tsx.
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import { nodeOfServer } from "../../state/nodes.ts";
import { eventPages, lastEventSeq, type Operation } from "../../state/operations.ts";
import type { Server } from "../../state/servers.ts";
import { canTransition, finishedOperationStatuses } from "../../state/statuses.ts";
import { CloudServersPage, DestroyServerPage, ServersTable } from "../../views/servers.tsx";
import { ServerBody, ServerPage, type ServerBodyProps } from "../../views/server-page.tsx";
import { foldLive } from "../../views/operation-live.ts";
import type { HoistEvent } from "../../engine/events.ts";
import { requireWriter } from "../actions/guards.ts";
import { serverCreateRoutes } from "./server-create.tsx";
import {
  cancelOperation,
  destroyServer,
  getOperation,
  getServer,
  listServers,
  operationsOf,
  powerServer,
  retryServer,
} from "../actions/servers.ts";
import type { Deps, Env } from "../env.ts";
import { ConflictError, fieldMap, InvalidInputError, NotFoundError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { pageStream, pollUrl, streamUrl, type PageCursor } from "../live-frames.tsx";
import { streamOperation } from "../operation-stream.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { cloudOptions, givenFilters, pagerLinks, readOrRefuse } from "../lists.ts";
import { credentialPicks, operationView, sameCloudCredentials, serverCloudsLabel, serverView, serverViewOf } from "../view-models.ts";

/** The operation the page follows: the one running, else the newest. */
const currentOf = (ops: Operation[]) => ops.find((o) => o.status === "running") ?? ops[0];

export function serverRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";

  /** This request's page of the list: its rows, page controls and refresh link. */
  const list = (c: Context<Env>) => {
    const actor = actorOf(c);
    const { query, page } = listServers(deps, actor, c.req.query());
    const links = pagerLinks("/nodes/cloud", query, page, "/nodes/cloud/table");
    return { servers: page.rows.map((r) => serverView(actor, r)), pager: links, refresh: links.selfHref };
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

  // ---- one server ----

  /** One of the server's operations, however old; any other id is not found. */
  const operationOfServer = (c: Context<Env>, server: Server, id: string) => {
    const op = getOperation(deps, actorOf(c), id);
    if (op.serverId !== server.id) throw new NotFoundError("operation");
    return op;
  };

  const versionOf = (s: Server) => {
    const n = nodeOfServer(deps.db, s.id);
    return createHash("sha256")
      .update(JSON.stringify([s.status, s.updatedAt?.getTime(), s.credentialId, n?.state, n?.stateReason]))
      .digest("base64url")
      .slice(0, 12);
  };

  function bodyProps(c: Context<Env>, server: Server, opts: { opId?: string; errors?: Record<string, string> } = {}): ServerBodyProps {
    const actor = actorOf(c);
    const view = serverViewOf(deps, actor, server);
    const ops = operationsOf(deps, server);
    const pinned = opts.opId ? operationOfServer(c, server, opts.opId) : undefined;
    const op = pinned ?? currentOf(ops);
    const running = !!op && !finishedOperationStatuses.includes(op.status);
    const live = op ? foldLive(op.kind, storedPages(deps, op.id), op.status) : undefined;
    const cursor: PageCursor = { serverId: server.id, operationId: op?.id ?? "", version: versionOf(server), pinned: !!pinned, every: view.busy ? 3 : 15 };
    const writer = actor.user.role !== "viewer";
    return {
      server: view,
      op: op && operationView(op),
      live,
      history: ops.map(operationView),
      actions: {
        retry: server.status === "failed",
        destroy: canTransition(server.status, "destroy_requested"),
        stop: canTransition(server.status, "stop_requested"),
        start: canTransition(server.status, "start_requested"),
        cancel: running && !pinned,
        check: server.status === "ready",
      },
      canWrite: writer,
      csrf: c.get("csrf"),
      now: new Date(),
      options: sameCloudCredentials(deps, actor, view),
      errors: opts.errors ?? {},
      streamUrl: running && live ? streamUrl(cursor, live.seq) : undefined,
      pollUrl: pollUrl(cursor, live?.seq ?? 0),
      pollSeconds: cursor.every,
    };
  }

  const serverPage = (c: Context<Env>, server: Server, opts: Parameters<typeof bodyProps>[2] = {}) =>
    c.html(<ServerPage {...pageBase(c)} {...bodyProps(c, server, opts)} />);

  app.get("/:id", (c) => serverPage(c, getServer(deps, actorOf(c), c.req.param("id")), { opId: c.req.query("op") }));

  // The page asks every few seconds; 204 when it shows what is current (htmx then keeps it).
  app.get("/:id/poll", (c) => {
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    const q = c.req.query();
    const pinned = q.pin === "1" ? q.op : undefined;
    if (q.force !== "1") {
      const op = pinned ? operationOfServer(c, server, pinned) : currentOf(operationsOf(deps, server));
      const same = (op?.id ?? "") === q.op && (op ? lastEventSeq(deps.db, op.id) : 0) === Number(q.after) && versionOf(server) === q.v;
      if (same) return c.body(null, 204);
    }
    return c.html(<ServerBody {...bodyProps(c, server, { opId: pinned })} />);
  });

  app.get("/:id/events", (c) => {
    const actor = actorOf(c);
    const server = getServer(deps, actor, c.req.param("id"));
    const op = operationOfServer(c, server, c.req.query("op") ?? "");
    const lastId = c.req.header("last-event-id");
    const after = Number(lastId ?? c.req.query("after") ?? 0) || 0;
    const live = foldLive(op.kind, storedPages(deps, op.id, after));
    const cursor: PageCursor = { serverId: server.id, operationId: op.id, version: c.req.query("v") ?? "", pinned: c.req.query("pin") === "1", every: 3 };
    return streamOperation(c, deps, op.id, after, pageStream(live, cursor, lastId !== undefined));
  });

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
      return serverPage(c, getServer(deps, actorOf(c), id), { errors: fieldMap(err) });
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
    const op = operationOfServer(c, server, typeof operationId === "string" ? operationId : "");
    cancelOperation(deps, actorOf(c), op.id);
    return back(c, server.id, "Cancelling: Pulumi stops at the next safe point.");
  });

  const destroyPage = (c: Context<Env>, server: Server, errors: Record<string, string> = {}) => {
    const actor = actorOf(c);
    const view = serverViewOf(deps, actor, server);
    const running = currentOf(operationsOf(deps, server));
    const runningCreate = running?.status === "running" && running.kind !== "destroy";
    return c.html(<DestroyServerPage {...pageBase(c)} canWrite server={view} options={sameCloudCredentials(deps, actor, view)} runningCreate={runningCreate} errors={errors} />);
  };

  app.get("/:id/destroy", (c) => {
    requireWriter(actorOf(c));
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    if (!canTransition(server.status, "destroy_requested")) throw new ConflictError(`The server is ${server.status}; it cannot be destroyed now.`);
    return destroyPage(c, server);
  });

  app.post("/:id/destroy", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    try {
      destroyServer(deps, actorOf(c), id, { credentialId: form.credentialId || undefined });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      return destroyPage(c, getServer(deps, actorOf(c), id), fieldMap(err));
    }
    return back(c, id, "Destroying: the server, its firewall and its SSH key are being deleted at the provider.");
  });

  return app;
}

const stored = (e: { seq: number; at: Date; payload: Record<string, unknown> }) => ({ seq: e.seq, at: e.at, event: e.payload as unknown as HoistEvent });

/** The operation's stored events up to `upTo`, a page at a time, as the page folds them. */
function* storedPages(deps: Deps, operationId: string, upTo?: number) {
  for (const page of eventPages(deps.db, operationId, 0, upTo)) yield page.map(stored);
}

