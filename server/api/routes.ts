// /api/v1: the JSON API. It mirrors every page action; responses never contain a secret.
import { Hono } from "hono";
import {
  createCredential,
  deleteCredentialAction,
  getCredential,
  listCredentials,
  updateCredentialAction,
  validateCredential,
  type Credential,
} from "../actions/credentials.ts";
import { setMaintenance } from "../actions/maintenance.ts";
import { createToken, listTokens, revokeToken } from "../actions/tokens.ts";
import { changePassword, disableUser, enableUser } from "../actions/user-access.ts";
import { changeRole, inviteUser, listUsers, removeUser } from "../actions/users.ts";
import type { User } from "../../state/users.ts";
import type { Deps, Env } from "../env.ts";
import { actorOf } from "../render.ts";
import { auditEntries } from "../routes/audit.tsx";
import { bearer, jsonBody, optionalJson } from "./auth.ts";
import { nodeApi } from "./nodes.ts";
import { serverApi } from "./servers.ts";
import { userKeyApi } from "./user-keys.ts";
import { deploymentApi } from "./deployments.ts";
import { migrationApi } from "./migrations.ts";
import { serverChangeApi } from "./changes.ts";
import { driftApi } from "./drift.ts";
import { usageApi } from "./usage.ts";
import { dedicatedApi } from "./dedicated.ts";

export const credentialJson = (c: Credential) => ({
  id: c.id,
  name: c.name,
  provider: c.cloud,
  settings: c.settings,
  validity: c.validity,
  validityReason: c.validityReason,
  checkedAt: c.checkedAt?.toISOString() ?? null,
  createdAt: c.createdAt.toISOString(),
  owner: c.userId,
});

const userJson = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role, state: u.state, createdAt: u.createdAt.toISOString() });

export function apiRoutes(deps: Deps) {
  const api = new Hono<Env>();
  api.use("*", bearer(deps));

  api.get("/me", (c) => c.json(userJson(actorOf(c).user)));

  api.get("/credentials", (c) => c.json({ credentials: listCredentials(deps, actorOf(c)).map(credentialJson) }));
  api.post("/credentials", async (c) => c.json(credentialJson(await createCredential(deps, actorOf(c), await jsonBody(c))), 201));
  api.get("/credentials/:id", (c) => c.json(credentialJson(getCredential(deps, actorOf(c), c.req.param("id")))));
  api.patch("/credentials/:id", async (c) => c.json(credentialJson(await updateCredentialAction(deps, actorOf(c), c.req.param("id"), await jsonBody(c)))));
  api.delete("/credentials/:id", (c) => {
    deleteCredentialAction(deps, actorOf(c), c.req.param("id"));
    return c.body(null, 204);
  });
  api.post("/credentials/:id/validate", async (c) => c.json(credentialJson(await validateCredential(deps, actorOf(c), c.req.param("id")))));

  api.get("/users", (c) => c.json({ users: listUsers(deps, actorOf(c)).map(userJson) }));
  api.post("/users", async (c) => {
    const { user, token } = inviteUser(deps, actorOf(c), await jsonBody(c));
    const origin = deps.config.publicUrl ?? new URL(c.req.url).origin;
    return c.json({ ...userJson(user), inviteUrl: `${origin}/invite/${token}` }, 201);
  });
  api.patch("/users/:id", async (c) => c.json(userJson(changeRole(deps, actorOf(c), c.req.param("id"), await jsonBody(c)))));
  api.post("/users/:id/disable", async (c) => c.json(userJson(disableUser(deps, actorOf(c), c.req.param("id"), await optionalJson(c)))));
  api.post("/users/:id/enable", (c) => c.json(userJson(enableUser(deps, actorOf(c), c.req.param("id")))));
  api.post("/me/password", async (c) => {
    await changePassword(deps, actorOf(c), await jsonBody(c));
    return c.body(null, 204);
  });
  api.delete("/users/:id", (c) => {
    removeUser(deps, actorOf(c), c.req.param("id"));
    return c.body(null, 204);
  });

  api.get("/tokens", (c) =>
    c.json({
      tokens: listTokens(deps, actorOf(c)).map((t) => ({
        id: t.id,
        name: t.name,
        prefix: t.prefix,
        createdAt: t.createdAt.toISOString(),
        lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
        expiresAt: t.expiresAt?.toISOString() ?? null,
      })),
    }),
  );
  api.post("/tokens", async (c) => {
    const { token, row } = createToken(deps, actorOf(c), await jsonBody(c));
    return c.json({ id: row.id, name: row.name, prefix: row.prefix, expiresAt: row.expiresAt?.toISOString() ?? null, token }, 201);
  });
  api.delete("/tokens/:id", (c) => {
    revokeToken(deps, actorOf(c), c.req.param("id"));
    return c.body(null, 204);
  });

  const pauseJson = () => {
    const p = deps.paused();
    return { paused: !!p, reason: p?.reason ?? null, since: p?.since.toISOString() ?? null, by: p?.by ?? null, setAtStart: p?.atStart ?? false };
  };
  api.get("/maintenance", (c) => c.json(pauseJson()));
  api.put("/maintenance", async (c) => {
    setMaintenance(deps, actorOf(c), await jsonBody(c));
    return c.json(pauseJson());
  });

  api.route("/", serverApi(deps));
  api.route("/", nodeApi(deps));
  api.route("/", userKeyApi(deps));
  api.route("/", deploymentApi(deps));
  api.route("/", migrationApi(deps));
  api.route("/", serverChangeApi(deps));
  api.route("/", driftApi(deps));
  api.route("/", usageApi(deps));
  api.route("/", dedicatedApi(deps));

  api.get("/audit", (c) => {
    const { rows, nextBefore } = auditEntries(deps, actorOf(c), Number(c.req.query("before")) || undefined);
    return c.json({ entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })), nextBefore: nextBefore ?? null });
  });

  return api;
}
