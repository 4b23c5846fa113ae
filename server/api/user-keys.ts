// /api/v1/ssh-keys: the caller's own SSH public keys.
import { Hono } from "hono";
import { addUserKey, listUserKeysOf, removeUserKey, type UserKey } from "../actions/user-keys.ts";
import type { Deps, Env } from "../env.ts";
import { actorOf } from "../render.ts";
import { jsonBody } from "./auth.ts";

export const userKeyJson = (k: UserKey) => ({
  id: k.id,
  name: k.name,
  publicKey: k.publicKey,
  fingerprint: k.fingerprint,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

export function userKeyApi(deps: Deps) {
  const api = new Hono<Env>();
  api.get("/ssh-keys", (c) => c.json({ sshKeys: listUserKeysOf(deps, actorOf(c)).map(userKeyJson) }));
  api.post("/ssh-keys", async (c) => c.json(userKeyJson(addUserKey(deps, actorOf(c), await jsonBody(c))), 201));
  api.delete("/ssh-keys/:id", (c) => {
    removeUserKey(deps, actorOf(c), c.req.param("id"));
    return c.body(null, 204);
  });
  return api;
}
