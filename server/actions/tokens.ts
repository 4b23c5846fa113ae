// API tokens for the JSON API: shown once at creation, stored as their sha256.
import { z } from "zod";
import { deleteApiToken, insertApiToken, listApiTokens, type ApiToken } from "../../state/api-tokens.ts";
import { newApiToken } from "../auth/tokens.ts";
import type { Actor, Deps } from "../env.ts";
import { NotFoundError } from "../errors.ts";
import { audit } from "./audit.ts";
import { asObject, displayName, parse } from "./input.ts";

export type { ApiToken };

export function listTokens(deps: Deps, actor: Actor): ApiToken[] {
  return listApiTokens(deps.db, actor.user.id);
}

/** How long a token lasts: chosen at creation, at most a year. */
export const TOKEN_DAYS = [7, 30, 90, 365] as const;
export const DEFAULT_TOKEN_DAYS = 90;

const createSchema = z.object({
  name: displayName,
  expiresInDays: z.coerce
    .number({ error: "must be a number of days" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(365, "must be at most 365 days")
    .default(DEFAULT_TOKEN_DAYS),
});

export function createToken(deps: Deps, actor: Actor, raw: unknown): { token: string; row: ApiToken } {
  const { name, expiresInDays } = parse(createSchema, asObject(raw));
  const { token, hash, prefix } = newApiToken();
  const expiresAt = new Date(Date.now() + expiresInDays * 86_400_000);
  const row = insertApiToken(deps.db, { userId: actor.user.id, name, tokenHash: hash, prefix, expiresAt });
  audit(deps, actor, "token.create", "ok", { type: "api_token", id: row.id }, `${name}, expires ${expiresAt.toISOString().slice(0, 10)}`);
  return { token, row };
}

export function revokeToken(deps: Deps, actor: Actor, id: string): void {
  if (!deleteApiToken(deps.db, actor.user.id, id)) throw new NotFoundError("API token");
  deps.streams.closeToken(id);
  audit(deps, actor, "token.revoke", "ok", { type: "api_token", id });
}
