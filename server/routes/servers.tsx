// The Cloud Servers tab under /nodes/cloud: the list, the create form with the provider's live
// catalog, the server page with its live stream, and the server's actions.
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import type { Catalog } from "../../stacks/cloud.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { eventsAfter, lastEventSeq, type Operation } from "../../state/operations.ts";
import type { Server } from "../../state/servers.ts";
import { canTransition, finishedOperationStatuses } from "../../state/statuses.ts";
import { CloudServersPage, DestroyServerPage, ServersTable } from "../../views/servers.tsx";
import { CatalogFields, Estimate, NewServerPage, type CatalogState, type FormValues } from "../../views/server-form.tsx";
import { ServerBody, ServerPage, type ServerBodyProps } from "../../views/server-page.tsx";
import { foldLive } from "../../views/operation-live.ts";
import type { HoistEvent } from "../../engine/events.ts";
import { requireWriter } from "../actions/guards.ts";
import {
  cancelOperation,
  catalogFor,
  createServer,
  destroyServer,
  getOperation,
  getServer,
  listServers,
  operationsOf,
  powerServer,
  retryServer,
} from "../actions/servers.ts";
import type { Deps, Env } from "../env.ts";
import { ConflictError, fieldMap, httpStatusOf, InvalidInputError, NotFoundError, RateLimitedError, UpstreamError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { pageStream, pollUrl, streamUrl, type PageCursor } from "../live-frames.tsx";
import { streamOperation } from "../operation-stream.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { credentialPicks, operationView, ownersFor, sameCloudCredentials, serverCloudsLabel, serverView } from "../view-models.ts";

const FIELDS = ["credentialId", "name", "region", "size", "image"] as const;

function valuesOf(raw: Record<string, unknown>): FormValues {
  const v: FormValues = {};
  for (const k of FIELDS) if (typeof raw[k] === "string") v[k] = (raw[k] as string).slice(0, 300);
  return v;
}

/** Fills in what the form needs chosen: a location, a size offered there (the cheapest) and an image. */
function withDefaults(catalog: Catalog, v: FormValues): FormValues {
  const region = catalog.locations.some((l) => l.id === v.region) ? v.region : catalog.locations[0]?.id;
  const offered = catalog.sizes.filter((s) => region && s.prices[region]);
  const cheapest = [...offered].sort((a, b) => a.prices[region!]!.monthly - b.prices[region!]!.monthly)[0];
  const size = offered.some((s) => s.id === v.size) ? v.size : cheapest?.id;
  const image = catalog.images.some((i) => i.id === v.image) ? v.image : catalog.images[0]?.id;
  return { ...v, region, size, image };
}

/** The operation the page follows: the one running, else the newest. */
const currentOf = (ops: Operation[]) => ops.find((o) => o.status === "running") ?? ops[0];

export function serverRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";

  const views = (c: Context<Env>) => {
    const actor = actorOf(c);
    const owners = ownersFor(deps, actor);
    return listServers(deps, actor).map((s) => serverView(deps, actor, s, owners));
  };

  app.get("/", (c) => {
    const hasCredential = credentialPicks(deps, actorOf(c)).picks.length > 0;
    return c.html(<CloudServersPage {...pageBase(c)} canWrite={canWrite(c)} servers={views(c)} hasCredential={hasCredential} serverClouds={serverCloudsLabel(deps)} />);
  });

  app.get("/table", (c) => c.html(<ServersTable servers={views(c)} now={new Date()} />));

  // ---- create ----

  async function loadCatalog(c: Context<Env>, values: FormValues, errors: Record<string, string>): Promise<{ catalog: CatalogState; values: FormValues }> {
    if (!values.credentialId) return { catalog: { state: "none" }, values };
    try {
      const { catalog } = await catalogFor(deps, actorOf(c), values.credentialId);
      return { catalog: { state: "loaded", credentialId: values.credentialId, catalog }, values: withDefaults(catalog, values) };
    } catch (err) {
      if (err instanceof UpstreamError) return { catalog: { state: "error", credentialId: values.credentialId, message: err.message }, values };
      if (err instanceof InvalidInputError) {
        Object.assign(errors, fieldMap(err));
        return { catalog: { state: "none" }, values };
      }
      throw err;
    }
  }

  async function newServerPage(c: Context<Env>, values: FormValues, opts: { errors?: Record<string, string>; formError?: string; lazy?: boolean } = {}) {
    const actor = actorOf(c);
    const { picks, otherClouds } = credentialPicks(deps, actor);
    const errors = { ...opts.errors };
    let catalog: CatalogState;
    if (opts.lazy && values.credentialId) {
      catalog = { state: "lazy", credentialId: values.credentialId, cloudLabel: picks.find((p) => p.id === values.credentialId)?.cloudLabel ?? "the provider" };
    } else {
      ({ catalog, values } = await loadCatalog(c, values, errors));
    }
    const cloud = picks.find((p) => p.id === values.credentialId)?.cloud;
    const rule = deps.clouds.find((x) => x.id === cloud)?.servers?.name.message;
    const nameHelp = `Unique among your servers${rule ? `; it ${rule}` : ""}.`;
    return c.html(<NewServerPage {...pageBase(c)} canWrite credentials={picks} otherClouds={otherClouds} serverClouds={serverCloudsLabel(deps)} nameHelp={nameHelp} values={values} errors={errors} formError={opts.formError} catalog={catalog} />);
  }

  app.get("/new", async (c) => {
    requireWriter(actorOf(c));
    const values = valuesOf(c.req.query());
    // A credential in the address is the operator's explicit choice (or a page without JS):
    // the catalog is then in the page. Otherwise the best credential is preselected and its
    // catalog follows through HTMX, so the page never waits for the provider.
    if (values.credentialId) return newServerPage(c, values);
    const { picks } = credentialPicks(deps, actorOf(c));
    const best = picks.find((p) => p.validity === "valid") ?? picks[0];
    return newServerPage(c, { ...values, credentialId: best?.id }, { lazy: true });
  });

  app.get("/new/catalog", async (c) => {
    requireWriter(actorOf(c));
    const errors: Record<string, string> = {};
    const { catalog, values } = await loadCatalog(c, valuesOf(c.req.query()), errors);
    const chosen = credentialPicks(deps, actorOf(c)).picks.find((p) => p.id === values.credentialId);
    return c.html(<CatalogFields catalog={catalog} values={values} errors={errors} badge={{ c: chosen }} />);
  });

  app.get("/new/estimate", (c) => {
    const q = c.req.query();
    const monthly = Number(q.monthly);
    const hourly = Number(q.hourly);
    const ok = Number.isFinite(monthly) && Number.isFinite(hourly) && /^[A-Z]{3}$/.test(q.currency ?? "");
    return c.html(<Estimate size={q.size?.slice(0, 64)} region={q.region?.slice(0, 64)} price={ok ? { monthly, hourly } : undefined} currency={q.currency} />);
  });

  app.post("/", async (c) => {
    const form = await formOf(c);
    const values = valuesOf(form);
    try {
      const { server } = await createServer(deps, actorOf(c), form);
      setFlash(c, "ok", `Creating ${server.name}: Hoist is running its stack ${server.stack}.`);
      return c.redirect(`/nodes/cloud/${server.id}`, 303);
    } catch (err) {
      if (err instanceof InvalidInputError) {
        c.status(422);
        return newServerPage(c, values, { errors: fieldMap(err) });
      }
      if (err instanceof ConflictError || err instanceof RateLimitedError) {
        if (err instanceof RateLimitedError) c.header("Retry-After", String(err.retryAfterSeconds));
        c.status(httpStatusOf(err) as 409);
        return newServerPage(c, values, { formError: err.message });
      }
      throw err;
    }
  });

  // ---- one server ----

  const versionOf = (s: Server) => {
    const n = nodeOfServer(deps.db, s.id);
    return createHash("sha256")
      .update(JSON.stringify([s.status, s.updatedAt?.getTime(), s.credentialId, n?.state, n?.stateReason]))
      .digest("base64url")
      .slice(0, 12);
  };

  function bodyProps(c: Context<Env>, server: Server, opts: { opId?: string; errors?: Record<string, string> } = {}): ServerBodyProps {
    const actor = actorOf(c);
    const view = serverView(deps, actor, server, ownersFor(deps, actor));
    const ops = operationsOf(deps, server);
    const pinned = opts.opId ? ops.find((o) => o.id === opts.opId) : undefined;
    if (opts.opId && !pinned) throw new NotFoundError("operation");
    const op = pinned ?? currentOf(ops);
    const running = !!op && !finishedOperationStatuses.includes(op.status);
    const live = op ? foldLive(op.kind, eventsAfter(deps.db, op.id, 0, 100_000).map(stored), op.status) : undefined;
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
      const op = pinned ? operationsOf(deps, server).find((o) => o.id === pinned) : currentOf(operationsOf(deps, server));
      const same = (op?.id ?? "") === q.op && (op ? lastEventSeq(deps.db, op.id) : 0) === Number(q.after) && versionOf(server) === q.v;
      if (same) return c.body(null, 204);
    }
    return c.html(<ServerBody {...bodyProps(c, server, { opId: pinned })} />);
  });

  app.get("/:id/events", (c) => {
    const actor = actorOf(c);
    const server = getServer(deps, actor, c.req.param("id"));
    const op = getOperation(deps, actor, c.req.query("op") ?? "");
    if (op.serverId !== server.id) throw new NotFoundError("operation");
    const lastId = c.req.header("last-event-id");
    const after = Number(lastId ?? c.req.query("after") ?? 0) || 0;
    const live = foldLive(op.kind, eventsAfter(deps.db, op.id, 0, 100_000).filter((e) => e.seq <= after).map(stored));
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
    const op = getOperation(deps, actorOf(c), typeof operationId === "string" ? operationId : "");
    if (op.serverId !== server.id) throw new NotFoundError("operation");
    cancelOperation(deps, actorOf(c), op.id);
    return back(c, server.id, "Cancelling: Pulumi stops at the next safe point.");
  });

  const destroyPage = (c: Context<Env>, server: Server, errors: Record<string, string> = {}) => {
    const actor = actorOf(c);
    const view = serverView(deps, actor, server, ownersFor(deps, actor));
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

