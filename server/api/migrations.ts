// /api/v1/migrations: start a migration of deployments to a dedicated node, follow it, pause,
// resume or cancel it.
import { Hono } from "hono";
import { cancelMigration, createMigration, getMigration, listMigrations, pauseMigration, resumeMigration } from "../actions/migrations.ts";
import type { Deps, Env } from "../env.ts";
import { migrationJson } from "../migration-views.ts";
import { actorOf } from "../render.ts";
import { jsonBody } from "./auth.ts";
import { operationJson } from "./servers.ts";

export function migrationApi(deps: Deps) {
  const api = new Hono<Env>();
  const one = (id: string, c: Parameters<typeof actorOf>[0]) => migrationJson(deps, getMigration(deps, actorOf(c), id));
  api.get("/migrations", (c) => c.json({ migrations: listMigrations(deps, actorOf(c)).map((m) => migrationJson(deps, m)) }));
  api.post("/migrations", async (c) => {
    const { migration, operation } = createMigration(deps, actorOf(c), await jsonBody(c));
    return c.json({ migration: migrationJson(deps, migration), operation: operationJson(operation) }, 202);
  });
  api.get("/migrations/:id", (c) => c.json(one(c.req.param("id"), c)));
  api.post("/migrations/:id/pause", (c) => {
    pauseMigration(deps, actorOf(c), c.req.param("id"));
    return c.json(one(c.req.param("id"), c), 202);
  });
  api.post("/migrations/:id/resume", (c) => {
    const operation = resumeMigration(deps, actorOf(c), c.req.param("id"));
    return c.json({ ...one(c.req.param("id"), c), operation: operationJson(operation) }, 202);
  });
  api.post("/migrations/:id/cancel", (c) => {
    cancelMigration(deps, actorOf(c), c.req.param("id"));
    return c.json(one(c.req.param("id"), c), 202);
  });
  return api;
}
