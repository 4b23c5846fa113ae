// /api/v1 for cloud servers, their catalog and their operations' events.
import { Hono, type Context } from "hono";
import type { Catalog } from "../../stacks/cloud.ts";
import type { ServerGatewayView } from "../../views/server-gateway.tsx";
import { gatewayEntryFrom } from "../actions/gateway.ts";
import { firewallPortsOf } from "../../engine/server-kind.ts";
import { EVENT_PAGE, eventsAfter, findOperation, MAX_EVENT_PAGE, type Operation } from "../../state/operations.ts";
import { z } from "zod";
import type { ServerListRow } from "../../state/server-list.ts";
import {
  cancelOperation,
  catalogFor,
  createServer,
  destroyServer,
  getOperation,
  getServerRow,
  listServers,
  operationsOf,
  powerServer,
  retryServer,
} from "../actions/servers.ts";
import type { Deps, Env } from "../env.ts";
import { streamOperation, type OperationStreamFormat, type StreamedEvent } from "../operation-stream.ts";
import { actorOf } from "../render.ts";
import { jsonBody, optionalJson } from "./auth.ts";
import { driftJson } from "./drift.ts";
import { parse } from "../actions/input.ts";
import { pageJson } from "../lists.ts";
import { usageJsonOf } from "./usage.ts";
import { latestNodeUsage, latestUsageOfNodes, type Usage } from "../actions/usage.ts";
import { driftFactsOf, stackDriftFacts, type DriftFacts } from "../drift-views.ts";
import { allocationOfServer, allocationsOfServers, type Allocation } from "../../state/gateway-allocations.ts";

export const operationJson = (o: Operation) => ({
  id: o.id,
  kind: o.kind,
  stack: o.stack,
  status: o.status,
  params: o.params,
  error: o.error,
  createdAt: o.createdAt.toISOString(),
  startedAt: o.startedAt?.toISOString() ?? null,
  finishedAt: o.finishedAt?.toISOString() ?? null,
});

/** What a server's JSON shows besides its row and node: looked up for one, or read for a list's page at once. */
export interface ServerJoins {
  usage: Usage | undefined;
  allocation: Allocation | undefined;
  drift: DriftFacts;
}

const joinsOf = (deps: Deps, { server: s, node }: ServerListRow): ServerJoins => ({
  usage: node ? latestNodeUsage(deps, node.id) : undefined,
  allocation: deps.gateway.enabled ? allocationOfServer(deps.db, s.id) : undefined,
  drift: stackDriftFacts(deps, s.stack),
});

/** The joins of a list's page of servers, in a few queries whatever their number. */
function pageJoins(deps: Deps, rows: ServerListRow[]): (row: ServerListRow) => ServerJoins {
  const usage = latestUsageOfNodes(deps, rows.flatMap((r) => (r.node ? [r.node.id] : [])));
  const allocations = deps.gateway.enabled ? allocationsOfServers(deps.db, rows.map((r) => r.server.id)) : new Map<string, Allocation>();
  const drift = driftFactsOf(deps, rows.map((r) => r.server.stack));
  return ({ server: s, node }) => ({ usage: node ? usage(node.id) : undefined, allocation: allocations.get(s.id), drift: drift(s.stack) });
}

/** A server as the API shows it, with its node (the list's row: no lookup per server). */
export function serverJson(deps: Deps, row: ServerListRow, joins: ServerJoins = joinsOf(deps, row)) {
  const { server: s, node } = row;
  return {
    id: s.id,
    name: s.name,
    stack: s.stack,
    provider: s.cloud,
    credentialId: s.credentialId,
    region: s.region,
    size: s.size,
    image: s.image,
    firewallPorts: firewallPortsOf(s),
    status: s.status,
    priceMonthly: s.priceMonthly,
    currency: typeof s.spec.currency === "string" ? s.spec.currency : null,
    outputs: s.outputs ?? null,
    error: s.errorReason ? { reason: s.errorReason, code: s.errorCode, action: s.errorAction, retryable: s.retryable } : null,
    node: node ? { id: node.id, name: node.name, serverId: node.serverId, address: node.address, sshPort: node.sshPort, sshUser: node.sshUser, state: node.state, stateReason: node.stateReason, ...usageJsonOf(node, joins.usage) } : null,
    gateway: gatewayJson(gatewayEntryFrom(deps, s, node ?? undefined, joins.allocation)),
    drift: driftJson(deps, { server: s }, joins.drift),
    createdAt: s.createdAt.toISOString(),
  };
}

const gatewayJson = (g: ServerGatewayView | undefined) =>
  g ? { hostname: g.hostname, http: g.http, https: g.https, sshPort: g.sshPort, ssh: g.sshCommand ?? null, tcpPorts: g.tcpPorts, forwarding: g.routed } : null;

/** An operation's events for API clients: each one as JSON, the SSE event named after its type. */
const eventJson = (e: StreamedEvent) => ({ id: String(e.seq), event: e.event.type, data: JSON.stringify({ seq: e.seq, at: e.at.toISOString(), ...e.event }) });
const jsonStream: OperationStreamFormat = {
  replay: (events) => events.map(eventJson),
  live: (e) => [eventJson(e)],
  // Browsers drop an SSE message with empty data, so the end says what ended.
  end: () => [{ event: "end", data: JSON.stringify({ end: true }) }],
};

const pageQuery = z.object({
  limit: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(MAX_EVENT_PAGE, `must be at most ${MAX_EVENT_PAGE}`).default(EVENT_PAGE),
});

export function serverApi(deps: Deps) {
  const api = new Hono<Env>();

  const catalogPart = <K extends keyof Catalog>(key: K) => async (c: Context<Env>) => {
    const { catalog } = await catalogFor(deps, actorOf(c), c.req.param("id"));
    return c.json({ [key]: catalog[key], currency: catalog.currency });
  };
  api.get("/credentials/:id/locations", catalogPart("locations"));
  api.get("/credentials/:id/server-types", catalogPart("sizes"));
  api.get("/credentials/:id/images", catalogPart("images"));

  // A page at a time: `?status=&cloud=&q=&limit=&cursor=`, `next` being the cursor of the next page.
  api.get("/servers", (c) => {
    const { page } = listServers(deps, actorOf(c), c.req.query());
    const joins = pageJoins(deps, page.rows);
    return c.json({ servers: page.rows.map((r) => serverJson(deps, r, joins(r))), ...pageJson(page) });
  });
  api.post("/servers", async (c) => {
    const { server, operation } = await createServer(deps, actorOf(c), await jsonBody(c));
    return c.json({ server: serverJson(deps, getServerRow(deps, actorOf(c), server.id)), operation: operationJson(operation) }, 202);
  });
  api.get("/servers/:id", (c) => {
    const row = getServerRow(deps, actorOf(c), c.req.param("id"));
    return c.json({ ...serverJson(deps, row), operations: operationsOf(deps, row.server).map(operationJson) });
  });
  api.delete("/servers/:id", async (c) => {
    const op = destroyServer(deps, actorOf(c), c.req.param("id"), await optionalJson(c));
    return c.json({ operation: operationJson(op) }, 202);
  });
  api.post("/servers/:id/retry", async (c) => c.json({ operation: operationJson(retryServer(deps, actorOf(c), c.req.param("id"), await optionalJson(c))) }, 202));
  api.post("/servers/:id/stop", (c) => c.json({ operation: operationJson(powerServer(deps, actorOf(c), c.req.param("id"), "off")) }, 202));
  api.post("/servers/:id/start", (c) => c.json({ operation: operationJson(powerServer(deps, actorOf(c), c.req.param("id"), "on")) }, 202));

  api.get("/operations/:id", (c) => c.json(operationJson(getOperation(deps, actorOf(c), c.req.param("id")))));
  api.post("/operations/:id/cancel", (c) => c.json(operationJson(cancelOperation(deps, actorOf(c), c.req.param("id")))));
  api.get("/operations/:id/events", (c) => {
    const op = getOperation(deps, actorOf(c), c.req.param("id"));
    // A reconnecting EventSource says where it got to; that beats the `after` it first asked for.
    const after = Number(c.req.header("last-event-id") ?? c.req.query("after") ?? 0) || 0;
    if (c.req.query("after") !== undefined && !(c.req.header("accept") ?? "").includes("text/event-stream")) {
      // A page at a time; `next` is the `after` of the next page, null at the end of what is stored.
      const { limit } = parse(pageQuery, { limit: c.req.query("limit") });
      const page = eventsAfter(deps.db, op.id, after, limit);
      const events = page.map((e) => ({ seq: e.seq, at: e.at.toISOString(), ...e.payload }));
      return c.json({ operation: operationJson(findOperation(deps.db, op.id)!), events, next: page.length === limit ? page.at(-1)!.seq : null });
    }
    return streamOperation(c, deps, op.id, after, jsonStream);
  });

  return api;
}
