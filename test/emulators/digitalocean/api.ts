// The `/v2` API: bearer-token auth, the rate-limit and token faults every call can hit, request
// ids, and one error handler rendering DigitalOcean's error body.
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import type { FaultSet } from "../faults.ts";
import type { Fleet } from "./fleet.ts";
import { DoApiError, notFound, RateWindow, unauthorized } from "./http.ts";
import type { AccountState, Ids } from "./state.ts";
import { actionRoutes } from "./routes/actions.ts";
import { catalogRoutes } from "./routes/catalog.ts";
import { dropletRoutes } from "./routes/droplets.ts";
import { firewallRoutes } from "./routes/firewalls.ts";
import { keyRoutes } from "./routes/keys.ts";
import { tagRoutes } from "./routes/tags.ts";

const MAX_LOGGED = 5000;

export type Env = { Variables: { requestId: string } };

/** What the route modules share. */
export interface Deps {
  account: AccountState;
  ids: Ids;
  fleet: Fleet;
  faults: FaultSet;
  tokens: Set<string>;
  /** Resolves when the emulator stops: requests held by the catalog-down timeout fault end then. */
  stopped: Promise<void>;
  /** Every API request, in order, for tests that check what a client asked. */
  requests: ApiRequest[];
}

export interface ApiRequest {
  method: string;
  /** Path and query, e.g. `/v2/droplets?page=1`. */
  path: string;
  body?: unknown;
}

/** The API's answer to a path it does not have (Hono only uses the root app's notFound). */
export function notFoundAnswer(c: Context): Response {
  const err = notFound();
  return c.json({ id: err.id, message: err.message, request_id: randomUUID() }, err.status);
}

export function v2Api(deps: Deps): Hono<Env> {
  const app = new Hono<Env>();
  const rate = new RateWindow();
  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? randomUUID();
    if (err instanceof DoApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json({ id: err.id, message: err.message, request_id: requestId }, err.status);
    }
    console.error("digitalocean emulator:", err);
    return c.json({ id: "server_error", message: "Server was unable to give you a response.", request_id: requestId }, 500);
  });
  app.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    const text = c.req.method === "GET" ? "" : await c.req.raw.clone().text();
    deps.requests.push({ method: c.req.method, path: url.pathname + url.search, body: text ? parseOr(text) : undefined });
    // A long-running test bed keeps only the recent past.
    if (deps.requests.length > MAX_LOGGED) deps.requests.splice(0, deps.requests.length - MAX_LOGGED);
    const requestId = randomUUID();
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    const token = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1]?.trim() ?? "";
    if (deps.faults.take("reject-token") || !deps.tokens.has(token)) throw unauthorized();
    const limited = deps.faults.take("rate-limit");
    for (const [k, v] of Object.entries(rate.headers(token, !!limited))) c.header(k, v);
    if (limited) {
      throw new DoApiError(429, "too_many_requests", "API Rate limit exceeded.", { "retry-after": String(limited.retryAfterSeconds ?? 60) });
    }
    await next();
  });
  app.route("/", catalogRoutes(deps));
  app.route("/", dropletRoutes(deps));
  app.route("/", actionRoutes(deps));
  app.route("/", keyRoutes(deps));
  app.route("/", firewallRoutes(deps));
  app.route("/", tagRoutes(deps));
  return app;
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
