// /api/v1/drift: drift reports, on-demand checks, auto-restore, and remediations (preview, apply,
// discard); and the `drift` of the server and deployment JSON.
import { Hono } from "hono";
import { z } from "zod";
import type { Remediation } from "../../state/drift-remediations.ts";
import { pageReports } from "../../state/drift-list.ts";
import type { DriftReport } from "../../state/drift.ts";
import type { Sweep } from "../../state/drift-sweeps.ts";
import { applyRemediation, checkDrift, discardRemediation, getRemediation, getReport, proposeRemediation, setAutoRestore, subjectOf, sweepNow, targetOf, type DriftTarget } from "../actions/drift.ts";
import { driftStateOf, pageExtras, reportExtras, stackDriftFacts, type ReportExtras } from "../drift-views.ts";
import type { Deps, Env } from "../env.ts";
import { oneOf, pageJson, parseListQuery } from "../lists.ts";
import { actorOf } from "../render.ts";
import { jsonBody, optionalJson } from "./auth.ts";
import { operationJson } from "./servers.ts";

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** The `drift` field of a server's or a deployment's JSON (`facts` as a list's page read them). */
export function driftJson(deps: Deps, t: DriftTarget, facts = stackDriftFacts(deps, subjectOf(t).stack)) {
  const d = driftStateOf(t, facts);
  return { state: d.state, checking: d.checking, reportId: d.reportId ?? null, summary: d.summary ?? {}, since: iso(d.since), checkedAt: iso(d.checkedAt), checkError: d.checkError ?? null, autoRestore: d.autoRestore };
}

export const remediationJson = (m: Remediation) => ({
  id: m.id,
  reportId: m.reportId,
  action: m.action,
  status: m.status,
  auto: m.auto,
  plan: m.plan ?? null,
  error: m.error,
  previewOperationId: m.previewOperationId,
  applyOperationId: m.applyOperationId,
  createdAt: m.createdAt.toISOString(),
});

/** A report with its resources and remediations (`x` as a list's page read them, or looked up). */
function reportJson(r: DriftReport, x: ReportExtras) {
  return {
    id: r.id,
    state: r.state,
    stack: r.stack,
    subject: r.serverId ? { type: "server", id: r.serverId, name: x.subjectName } : { type: "deployment", id: r.deploymentId, name: x.subjectName },
    summary: r.summary,
    remediated: r.state === "open" ? r.remediation : null,
    detectedAt: r.detectedAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    resolvedAt: iso(r.resolvedAt),
    checkOperationId: r.operationId,
    resources: x.resources,
    remediations: x.remediations.map(remediationJson),
  };
}

const reportFilters = z.object({ state: oneOf(["open", "closed"]) });

const sweepJson = (s: Sweep) => ({ id: s.id, dueAt: s.dueAt.toISOString(), startedAt: s.startedAt.toISOString(), finishedAt: iso(s.finishedAt), stacks: s.items });

export function driftApi(deps: Deps) {
  const api = new Hono<Env>();

  // `?state=open|closed&limit=&cursor=`: open ones newest found first, closed ones newest closed first.
  api.get("/drift", (c) => {
    const q = parseListQuery(reportFilters, c.req.query(), "number");
    const page = pageReports(deps.db, actorOf(c).scope, q.filter.state ?? "open", q.page);
    const extras = pageExtras(deps, page.rows);
    return c.json({ reports: page.rows.map((row) => reportJson(row.report, extras(row))), ...pageJson(page) });
  });
  api.get("/drift/schedule", (c) => {
    const s = deps.engine.driftStatus();
    return c.json({ ...deps.config.drift, nextAt: iso(s?.nextAt), sweeps: (s?.sweeps ?? []).map(sweepJson) });
  });
  api.post("/drift/sweeps", (c) => {
    sweepNow(deps, actorOf(c));
    return c.json({ requested: true }, 202);
  });
  api.post("/drift/checks", async (c) => {
    const actor = actorOf(c);
    return c.json({ operation: operationJson(checkDrift(deps, actor, targetOf(deps, actor, await jsonBody(c)))) }, 202);
  });
  api.put("/drift/settings", async (c) => {
    const actor = actorOf(c);
    const body = await jsonBody(c);
    return c.json({ autoRestore: setAutoRestore(deps, actor, targetOf(deps, actor, body), body) });
  });
  api.get("/drift/remediations/:id", (c) => c.json(remediationJson(getRemediation(deps, actorOf(c), c.req.param("id")).remediation)));
  api.post("/drift/remediations/:id/apply", async (c) => {
    const { remediation, operation, check } = applyRemediation(deps, actorOf(c), c.req.param("id"), (await optionalJson(c)) ?? {});
    return c.json({ remediation: remediationJson(remediation), operation: operationJson(operation), check: operationJson(check) }, 202);
  });
  api.delete("/drift/remediations/:id", (c) => {
    discardRemediation(deps, actorOf(c), c.req.param("id"));
    return c.body(null, 204);
  });
  api.get("/drift/:id", (c) => {
    const r = getReport(deps, actorOf(c), c.req.param("id"));
    return c.json(reportJson(r, reportExtras(deps, r)));
  });
  for (const action of ["accept", "restore"] as const) {
    api.post(`/drift/:id/${action}`, (c) => {
      const { remediation, operation } = proposeRemediation(deps, actorOf(c), c.req.param("id"), action);
      return c.json({ remediation: remediationJson(remediation), operation: operationJson(operation) }, 202);
    });
  }
  return api;
}
