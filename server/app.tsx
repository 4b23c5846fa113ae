// The Hono application: pages (session cookie + CSRF) and the JSON API (bearer tokens), with
// errors mapped to HTTP in one place.
import { dedicatedRoutes } from "./routes/dedicated.tsx";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { randomUUID } from "node:crypto";
import { ErrorAlert, ErrorPage } from "../views/errors.tsx";
import { apiRoutes } from "./api/routes.ts";
import { cookieJar } from "./auth/cookies.ts";
import { csrfProtection, requireUser, sessions } from "./auth/session.ts";
import type { Deps, Env } from "./env.ts";
import { errorCodeOf, httpStatusOf, InvalidInputError, PayloadTooLargeError, RateLimitedError } from "./errors.ts";
import { accountRoutes } from "./routes/account.tsx";
import { loggedPath } from "./log.ts";
import { assetRoutes } from "./routes/assets.ts";
import { auditRoutes } from "./routes/audit.tsx";
import { authRoutes } from "./routes/auth.tsx";
import { credentialRoutes } from "./routes/credentials.tsx";
import { driftRoutes } from "./routes/drift.tsx";
import { gatewayRoutes } from "./routes/gateway.ts";
import { deploymentRoutes } from "./routes/deployments.tsx";
import { migrationRoutes } from "./routes/migrations.tsx";
import { maintenanceRoutes } from "./routes/maintenance.tsx";
import { marketplaceRoutes } from "./routes/marketplace.tsx";
import { nodeRoutes } from "./routes/nodes.tsx";
import { serverRoutes } from "./routes/servers.tsx";
import { tokenRoutes } from "./routes/tokens.tsx";
import { userKeyRoutes } from "./routes/user-keys.tsx";
import { userRoutes } from "./routes/users.tsx";

/** The largest request body read, forms and JSON alike (the biggest real one is a few KiB). */
export const MAX_BODY_BYTES = 32 * 1024;

export function createApp(deps: Deps) {
  const app = new Hono<Env>();

  app.use(
    secureHeaders({
      // no-referrer would make browsers send `Origin: null` on form posts, which CSRF checks refuse.
      referrerPolicy: "same-origin",
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // htmx adds its indicator styles inline.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  // Before anything reads a body (the CSRF check parses forms, even of visitors not signed in):
  // every form and JSON body Hoist takes is small, and a larger one is refused unread.
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new PayloadTooLargeError(MAX_BODY_BYTES);
      },
    }),
  );
  const cookies = cookieJar(deps.config.secureCookies);
  app.use(async (c, next) => {
    c.set("cookies", cookies);
    await next();
  });
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.log.debug({ method: c.req.method, path: loggedPath(c.req.path), status: c.res.status, ms: Math.round(performance.now() - started) }, "request");
  });

  app.route("/assets", assetRoutes());
  app.route("/api/v1", apiRoutes(deps));

  const web = new Hono<Env>();
  web.use(sessions(deps));
  web.use(async (c, next) => {
    c.set("paused", deps.paused());
    await next();
  });
  web.use(csrfProtection(deps));
  web.route("/", authRoutes(deps));
  for (const [path, routes] of [
    ["/nodes/credentials", credentialRoutes(deps)],
    ["/nodes/cloud", serverRoutes(deps)],
    ["/nodes/dedicated", dedicatedRoutes(deps)],
    ["/nodes", nodeRoutes(deps)],
    ["/marketplace", marketplaceRoutes(deps)],
    ["/deployments", deploymentRoutes(deps)],
    ["/drift", driftRoutes(deps)],
    ["/migrations", migrationRoutes(deps)],
    ["/users", userRoutes(deps)],
    ["/settings/tokens", tokenRoutes(deps)],
    ["/settings/ssh-keys", userKeyRoutes(deps)],
    ["/settings/account", accountRoutes(deps)],
    ["/audit", auditRoutes(deps)],
    ["/maintenance", maintenanceRoutes(deps)],
    ["/gateway", gatewayRoutes(deps)],
  ] as const) {
    web.use(`${path}/*`, requireUser(deps));
    web.use(path, requireUser(deps));
    web.route(path, routes);
  }
  app.route("/", web);

  app.notFound((c) => respondError(c as Context<Env>, deps, 404, "There is nothing at this address.", "not_found"));
  app.onError((err, c) => {
    const status = httpStatusOf(err);
    if (status === 500) {
      const reference = randomUUID().slice(0, 8);
      deps.log.error({ err, reference, path: loggedPath(c.req.path) }, "request failed");
      return respondError(c as Context<Env>, deps, 500, "Hoist hit an unexpected error. The details are in the server log.", "internal", reference);
    }
    if (err instanceof RateLimitedError) c.header("Retry-After", String(err.retryAfterSeconds));
    return respondError(c as Context<Env>, deps, status, err.message, errorCodeOf(err), undefined, err instanceof InvalidInputError ? err.fields : undefined);
  });

  return app;
}

function respondError(
  c: Context<Env>,
  _deps: Deps,
  status: number,
  message: string,
  code: string,
  reference?: string,
  fields?: { field: string; message: string }[],
) {
  if (c.req.path.startsWith("/api/")) {
    return c.json({ error: { code, message, ...(fields && { fields }), ...(reference && { reference }) } }, status as 400);
  }
  // A fragment request (a table row, a poll) shows the error above the page; a boosted form or a
  // plain request gets the whole error page.
  if (c.req.header("hx-request") && !c.req.header("hx-boosted")) {
    c.header("HX-Retarget", "#alerts");
    c.header("HX-Reswap", "innerHTML");
    return c.html(<ErrorAlert message={message} reference={reference} />, status as 400);
  }
  const actor = c.get("actor");
  const viewer = actor && { email: actor.user.email, name: actor.user.name, role: actor.user.role };
  return c.html(<ErrorPage status={status} message={message} csrf={c.get("csrf") ?? ""} viewer={viewer} reference={reference} />, status as 400);
}
