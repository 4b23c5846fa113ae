// Browser sessions: an HttpOnly, SameSite=Lax cookie (Secure behind https) holding a random value
// whose sha256 is the session id. Every state-changing form echoes the session's CSRF token.
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { deleteSession, findSession, insertSession } from "../../state/sessions.ts";
import { scopeOf } from "../../state/scope.ts";
import type { User } from "../../state/users.ts";
import { countUsers } from "../../state/users.ts";
import type { Deps, Env } from "../env.ts";
import { randomToken, safeEqual, sha256 } from "./tokens.ts";

export const SESSION_COOKIE = "hoist_session";
const PRE_COOKIE = "hoist_pre";
const SESSION_DAYS = 14;

const cookieOptions = (deps: Deps) => ({ httpOnly: true, sameSite: "Lax" as const, secure: deps.config.secureCookies, path: "/" });

/** Loads the session (if any) and the CSRF token for this request. */
export function sessions(deps: Deps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const raw = getCookie(c, SESSION_COOKIE);
    const found = raw ? findSession(deps.db, sha256(raw)) : undefined;
    if (found) {
      c.set("session", found.session);
      c.set("actor", { user: found.user, scope: scopeOf(found.user), via: "session" });
      c.set("csrf", found.session.csrfToken);
    } else {
      if (raw) deleteCookie(c, SESSION_COOKIE, { path: "/" });
      let pre = getCookie(c, PRE_COOKIE);
      if (!pre || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
        pre = randomToken();
        setCookie(c, PRE_COOKIE, pre, cookieOptions(deps));
      }
      c.set("csrf", pre);
    }
    await next();
  };
}

export function startSession(c: Context<Env>, deps: Deps, user: User): void {
  const value = randomToken();
  insertSession(deps.db, {
    id: sha256(value),
    userId: user.id,
    csrfToken: randomToken(),
    expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000),
  });
  setCookie(c, SESSION_COOKIE, value, { ...cookieOptions(deps), maxAge: SESSION_DAYS * 86_400 });
}

export function endSession(c: Context<Env>, deps: Deps): void {
  const session = c.get("session");
  if (session) deleteSession(deps.db, session.id);
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

const unsafe = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * CSRF protection for every state-changing browser request: a cross-site Origin is refused, and
 * the form field `_csrf` (or the `X-CSRF-Token` header HTMX sends) must equal the token.
 */
export function csrfProtection(): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!unsafe.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    if ((origin && origin !== new URL(c.req.url).origin) || site === "cross-site") {
      return c.text("Cross-site request refused", 403);
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
