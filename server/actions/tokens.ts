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

export function createToken(deps: Deps, actor: Actor, raw: unknown): { token: string; row: ApiToken } {
  const { name } = parse(z.object({ name: displayName }), asObject(raw));
  const { token, hash, prefix } = newApiToken();
  const row = insertApiToken(deps.db, { userId: actor.user.id, name, tokenHash: hash, prefix });
  audit(deps, actor, "token.create", "ok", { type: "api_token", id: row.id }, name);
  return { token, row };
}

export function revokeToken(deps: Deps, actor: Actor, id: string): void {
  if (!deleteApiToken(deps.db, actor.user.id, id)) throw new NotFoundError("API token");
  deps.streams.closeToken(id);
  audit(deps, actor, "token.revoke", "ok", { type: "api_token", id });
}
