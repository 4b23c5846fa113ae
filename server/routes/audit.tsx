// /audit: admins see every entry; others see their own.
import { Hono } from "hono";
import { listAudit } from "../../state/audit.ts";
import type { Deps, Env } from "../env.ts";
import { actorOf, pageBase } from "../render.ts";
import { AuditPage } from "../../views/audit.tsx";

const PAGE = 50;

export function auditEntries(deps: Deps, actor: ReturnType<typeof actorOf>, before?: number) {
  const everyone = actor.user.role === "admin";
  const rows = listAudit(deps.db, { userId: everyone ? undefined : actor.user.id, before, limit: PAGE });
  return { everyone, rows, nextBefore: rows.length === PAGE ? rows[rows.length - 1]!.id : undefined };
}

export function auditRoutes(deps: Deps) {
  const app = new Hono<Env>();
  app.get("/", (c) => {
    const before = Number(c.req.query("before")) || undefined;
    const { everyone, rows, nextBefore } = auditEntries(deps, actorOf(c), before);
    const entries = rows.map((r) => ({ ...r, target: r.targetType ? `${r.targetType} ${r.targetId ?? ""}` : null }));
    return c.html(<AuditPage {...pageBase(c)} entries={entries} nextBefore={nextBefore} everyone={everyone} />);
  });
  return app;
}
