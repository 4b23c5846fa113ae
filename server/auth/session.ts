// Browser sessions: an HttpOnly, SameSite=Lax cookie (`__Host-` and Secure behind https) holding a
// random value whose sha256 is the session id. A session ends 14 days after sign-in, or after
// HOIST_SESSION_IDLE_MINUTES without a request; signing in again ends the one the browser held.
// Every state-changing form echoes the session's CSRF token.
import type { Context, MiddlewareHandler } from "hono";
import { deleteSession, findSession, insertSession, purgeSessions, touchSession } from "../../state/sessions.ts";
import { scopeOf } from "../../state/scope.ts";
import type { User } from "../../state/users.ts";
import { countUsers } from "../../state/users.ts";
import type { Deps, Env } from "../env.ts";
import { randomToken, safeEqual, sha256 } from "./tokens.ts";

const SESSION_DAYS = 14;
/** A session's last use is written at most this often (not on every request). */
const TOUCH_MS = 60_000;

const idleSince = (deps: Deps, now = Date.now()) => new Date(now - deps.config.sessionIdleMinutes * 60_000);

/** Loads the session (if any) and the CSRF token for this request. */
export function sessions(deps: Deps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const jar = c.get("cookies");
    const raw = jar.get(c, "hoist_session");
    const found = raw ? findSession(deps.db, sha256(raw), idleSince(deps)) : undefined;
    if (found) {
      if (Date.now() - found.session.lastSeenAt.getTime() > TOUCH_MS) touchSession(deps.db, found.session.id);
      c.set("session", found.session);
      c.set("actor", { user: found.user, scope: scopeOf(found.user), via: "session", sessionId: found.session.id });
      c.set("csrf", found.session.csrfToken);
    } else {
      if (raw) {
        // Expired or idle: gone from the database too, not only from the browser.
        deleteSession(deps.db, sha256(raw));
        jar.delete(c, "hoist_session");
      }
      let pre = jar.get(c, "hoist_pre");
      if (!pre || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
        pre = randomToken();
        jar.set(c, "hoist_pre", pre);
      }
      c.set("csrf", pre);
    }
    await next();
  };
}

/**
 * Signs the user in with a new session. The session the browser held before (if any) ends, so an
 * older cookie never stays valid beside the new one; expired and idle sessions are purged.
 */
export function startSession(c: Context<Env>, deps: Deps, user: User): void {
  const jar = c.get("cookies");
  const previous = jar.get(c, "hoist_session");
  if (previous) {
    deleteSession(deps.db, sha256(previous));
    deps.streams.closeSession(sha256(previous));
  }
  purgeSessions(deps.db, idleSince(deps));
  const value = randomToken();
  insertSession(deps.db, {
    id: sha256(value),
    userId: user.id,
    csrfToken: randomToken(),
    expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000),
  });
  jar.set(c, "hoist_session", value, SESSION_DAYS * 86_400);
}

export function endSession(c: Context<Env>, deps: Deps): void {
  const session = c.get("session");
  if (session) {
    deleteSession(deps.db, session.id);
    deps.streams.closeSession(session.id);
  }
  c.get("cookies").delete(c, "hoist_session");
}

const unsafe = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * CSRF protection for every state-changing browser request: an Origin other than Hoist's own is
 * refused, and the form field `_csrf` (or the `X-CSRF-Token` header HTMX sends) must equal the
 * token. Hoist's own origin is HOIST_PUBLIC_URL's when it is set: behind a proxy that terminates
 * TLS the request reaches Hoist as `http://…` while the browser's Origin says `https://…`.
 */
export function csrfProtection(deps: Deps): MiddlewareHandler<Env> {
  const publicOrigin = deps.config.publicUrl ? new URL(deps.config.publicUrl).origin : undefined;
  return async (c, next) => {
    if (!unsafe.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    const own = publicOrigin ?? new URL(c.req.url).origin;
    if ((origin && origin !== own) || site === "cross-site") {
      const hint = publicOrigin ? "" : " (behind a proxy, set HOIST_PUBLIC_URL to the address users reach Hoist at)";
      return c.text(`Cross-site request refused: it comes from ${origin ?? "another site"}, not ${own}${hint}.`, 403);
    }
    let provided = c.req.header("x-csrf-token");
    if (!provided) {
      const type = c.req.header("content-type") ?? "";
      if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
        const body = await c.req.parseBody();
        provided = typeof body._csrf === "string" ? body._csrf : undefined;
      }
    }
    if (!provided || !safeEqual(provided, c.get("csrf"))) {
      return c.text("This form has expired or did not come from Hoist. Reload the page and try again.", 403);
    }
    return next();
  };
}

/** Pages behind sign-in: first run goes to /setup, everyone else to /login. */
export function requireUser(deps: Deps): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (c.get("actor")) return next();
    const target = countUsers(deps.db) === 0 ? "/setup" : `/login?next=${encodeURIComponent(new URL(c.req.url).pathname)}`;
    if (c.req.header("hx-request")) {
      c.header("HX-Redirect", target);
      return c.body(null, 401);
    }
    return c.redirect(target, 303);
  };
}
