import type { Context, MiddlewareHandler } from "hono";
import { useApiToken } from "../../state/api-tokens.ts";
import { scopeOf } from "../../state/scope.ts";
import { sha256 } from "../auth/tokens.ts";
import type { Deps, Env } from "../env.ts";
import { InvalidInputError, UnauthenticatedError } from "../errors.ts";

/** The JSON API authenticates with API tokens only (no cookies, so no CSRF to worry about). */
export function bearer(deps: Deps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const m = /^Bearer\s+(hoist_[A-Za-z0-9_-]{43})$/.exec(c.req.header("authorization") ?? "");
    const found = m ? useApiToken(deps.db, sha256(m[1]!)) : undefined;
    if (!found || found.expired) {
      c.header("WWW-Authenticate", 'Bearer realm="hoist"');
      if (found?.expired) throw new UnauthenticatedError(`This API token expired on ${found.token.expiresAt?.toISOString().slice(0, 10) ?? "an earlier date"}; create a new one under API tokens.`);
      throw new UnauthenticatedError("An API token is required: Authorization: Bearer <token> (create one under API tokens).");
    }
    c.set("actor", { user: found.user, scope: scopeOf(found.user), via: "token", tokenId: found.token.id });
    await next();
  };
}

/** The body of a request that may carry nothing at all (Hono keeps the text for jsonBody). */
export async function optionalJson(c: Context): Promise<unknown> {
  return (await c.req.text()).trim() ? jsonBody(c) : undefined;
}

/** The request's JSON body (its size is limited before, in app.tsx); invalid JSON names "body". */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new InvalidInputError([{ field: "body", message: "must be valid JSON" }]);
  }
}
