// Drift as the pages and the JSON API show it: a stack's drift (badge, card), reports with their
// resources and remediation, and the schedule in words.
import type { Plan } from "../engine/plan.ts";
import { z } from "zod";
import { activeRemediationStatuses, remediationsOf, type Remediation } from "../state/drift-remediations.ts";
import { closedLately, pageReports, remediationsOfReports, resourcesOfReports, type ReportListRow } from "../state/drift-list.ts";
import { lastCheckOf, lastChecksOf, openReportOf, openReportsOf, reportsOfStack, resourcesOf, settingsOf, settingsOfStacks, type DriftedResource, type DriftReport, type DriftSettings } from "../state/drift.ts";
import { pagerLinks, parseListQuery } from "./lists.ts";
import type { Operation } from "../state/operations.ts";
import { finishedOperationStatuses } from "../state/statuses.ts";
import type { DriftView } from "../views/drift-badge.tsx";
import type { RemediationView, ReportView } from "../views/drift.tsx";
import { checkable, destructiveOf, subjectName, subjectOf, type DriftTarget } from "./actions/drift.ts";
import type { Actor, Deps } from "./env.ts";

/** What a stack's drift is made of: its open report, its last check, its settings. */
export interface DriftFacts {
  report?: DriftReport;
  check?: Operation;
  settings?: DriftSettings;
}

/** One stack's drift facts. */
export const stackDriftFacts = (deps: Deps, stack: string): DriftFacts => ({ report: openReportOf(deps.db, stack), check: lastCheckOf(deps.db, stack), settings: settingsOf(deps.db, stack) });

/** The drift facts of a list's page of stacks, read in three queries whatever their number. */
export function driftFactsOf(deps: Deps, stacks: string[]): (stack: string) => DriftFacts {
  const reports = openReportsOf(deps.db, stacks);
  const checks = lastChecksOf(deps.db, stacks);
  const settings = settingsOfStacks(deps.db, stacks);
  return (stack) => ({ report: reports.get(stack), check: checks.get(stack), settings: settings.get(stack) });
}

/** The stack's drift without its history: what the API shows of it, alone or in a list. */
export function driftStateOf(t: DriftTarget, { report, check, settings }: DriftFacts): Omit<DriftView, "history"> {
  const checking = !!check && !finishedOperationStatuses.includes(check.status);
  // The last check that ran to its end says whether the stack is clean.
  const failed = check?.status === "failed" || check?.status === "cancelled";
  const state = report ? "drifted" : failed ? "failed" : check?.status === "succeeded" ? "clean" : "unchecked";
  return {
    state,
    checking,
    reportId: report?.id,
    summary: report?.summary,
    since: report?.detectedAt,
    checkedAt: check && !checking ? check.finishedAt : report?.lastSeenAt ?? null,
    checkError: failed ? check?.error : null,
    checkOperationId: check?.id,
    autoRestore: settings?.autoRestore ?? false,
    checkable: checkable(t),
    subject: "server" in t ? { field: "serverId", id: t.server.id, back: `/nodes/cloud/${t.server.id}` } : { field: "deploymentId", id: t.deployment.id, back: `/deployments/${t.deployment.id}` },
  };
}

/** The stack's drift for its page: its open report, its last check, its settings, its history. */
export function driftView(deps: Deps, t: DriftTarget): DriftView {
  const { stack } = subjectOf(t);
  return {
    ...driftStateOf(t, stackDriftFacts(deps, stack)),
    history: reportsOfStack(deps.db, stack).map((r) => ({ id: r.id, state: r.state, detectedAt: r.detectedAt, resolvedAt: r.resolvedAt, summary: r.summary })),
  };
}

/**
 * The drift badges of a list's page, read in one query for all its stacks: an open report's mark
 * by stack (a stack without one shows no badge; its own page tells the rest).
 */
export function driftMarks(deps: Deps, stacks: (string | null)[]): (stack: string | null) => DriftView | undefined {
  const open = openReportsOf(deps.db, stacks.filter((s): s is string => !!s));
  return (stack) => {
    const r = stack ? open.get(stack) : undefined;
    if (!r) return undefined;
    const subject = r.serverId ? { field: "serverId" as const, id: r.serverId, back: `/nodes/cloud/${r.serverId}` } : { field: "deploymentId" as const, id: r.deploymentId!, back: `/deployments/${r.deploymentId}` };
    return { state: "drifted", checking: false, reportId: r.id, summary: r.summary, since: r.detectedAt, autoRestore: false, checkable: false, subject, history: [] };
  };
}

/** What a report's card and JSON show besides the report: looked up for one, or read for a page at once. */
export interface ReportExtras {
  subjectName: string;
  resources: DriftedResource[];
  /** Newest first. */
  remediations: Remediation[];
}

export const reportExtras = (deps: Deps, r: DriftReport): ReportExtras => ({ subjectName: subjectName(deps, r), resources: resourcesOf(deps.db, r.id), remediations: remediationsOf(deps.db, r.id) });

/** The extras of a page of reports, in two queries whatever their number. */
export function pageExtras(deps: Deps, rows: ReportListRow[]): (row: ReportListRow) => ReportExtras {
  const ids = rows.map((r) => r.report.id);
  const resources = resourcesOfReports(deps.db, ids);
  const remediations = remediationsOfReports(deps.db, ids);
  return ({ report: r, subjectName }) => ({ subjectName: subjectName ?? r.stack, resources: resources.get(r.id) ?? [], remediations: remediations.get(r.id) ?? [] });
}

/** Where a report's subject (and its operations) live in the console. */
function subjectLink(r: DriftReport, name: string) {
  return r.serverId ? { kind: "server" as const, name, href: `/nodes/cloud/${r.serverId}` } : { kind: "deployment" as const, name, href: `/deployments/${r.deploymentId}` };
}

function remediationView(base: string, m: Remediation): RemediationView {
  const plan = m.plan as unknown as Plan | null;
  const op = m.applyOperationId ?? m.previewOperationId;
  return {
    id: m.id,
    action: m.action,
    status: m.status,
    auto: m.auto,
    steps: plan?.steps,
    destructive: destructiveOf(m),
    error: m.error,
    operationHref: op ? `${base}?op=${op}` : undefined,
    at: m.createdAt,
  };
}

export function reportView(deps: Deps, r: DriftReport, x = reportExtras(deps, r)): ReportView {
  const subject = subjectLink(r, x.subjectName);
  const latest = x.remediations[0];
  const shown = x.remediations.find((m) => activeRemediationStatuses.includes(m.status)) ?? (latest && ["failed", "stale"].includes(latest.status) ? latest : undefined);
  return {
    id: r.id,
    state: r.state,
    subject,
    stack: r.stack,
    summary: r.summary,
    detectedAt: r.detectedAt,
    lastSeenAt: r.lastSeenAt,
    resolvedAt: r.resolvedAt,
    remediated: r.state === "open" ? r.remediation : null,
    checkHref: r.operationId ? `${subject.href}?op=${r.operationId}` : undefined,
    // A closed report's findings are history: its card shows none.
    resources: r.state === "open" ? x.resources : [],
    remediation: shown && remediationView(subject.href, shown),
  };
}

/** The schedule in words, with the last sweep. */
export function scheduleText(deps: Deps): string {
  const s = deps.engine.driftStatus();
  const { intervalSeconds, concurrency } = deps.config.drift;
  if (!intervalSeconds) return "Scheduled drift checks are off (HOIST_DRIFT_INTERVAL=0); check a stack from its page.";
  const every = intervalSeconds % 3600 === 0 ? `${intervalSeconds / 3600} hour(s)` : intervalSeconds % 60 === 0 ? `${intervalSeconds / 60} minute(s)` : `${intervalSeconds} seconds`;
  const next = s?.nextAt ? ` Next sweep at ${s.nextAt.toISOString().slice(0, 16).replace("T", " ")} UTC.` : "";
  const last = s?.sweeps[0];
  const items = (last?.items ?? []) as { skipped?: string }[];
  const lastText = last ? ` The last one (${last.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC) checked ${items.filter((i) => !i.skipped).length} stack(s) and skipped ${items.filter((i) => i.skipped).length} busy one(s)${last.finishedAt ? "" : "; it is still running"}.` : "";
  return `Hoist checks every ready server and running deployment every ${every}, ${concurrency} at once (HOIST_DRIFT_INTERVAL, HOIST_DRIFT_CONCURRENCY).${next}${lastText}`;
}

/** How many reports closed lately the Drift page shows under the open ones. */
const CLOSED_LATELY = 20;

/**
 * The Drift page's reports: a page of the open ones, newest found first (`query`: limit and
 * cursor), and those closed lately; each page read in the same queries for 50 reports as for 2.
 */
export function driftPageReports(deps: Deps, actor: Actor, query: Record<string, string | undefined>) {
  const q = parseListQuery(z.object({}), query, "number");
  const page = pageReports(deps.db, actor.scope, "open", q.page);
  const lately = closedLately(deps.db, actor.scope, CLOSED_LATELY);
  const extras = pageExtras(deps, [...page.rows, ...lately]);
  const open = page.rows.map((row) => reportView(deps, row.report, extras(row)));
  const closed = lately.map((row) => reportView(deps, row.report, extras(row)));
  const busy = open.some((r) => r.remediated || r.remediation?.status === "previewing" || r.remediation?.status === "applying");
  const pager = pagerLinks("/drift", q, page, "/drift/body");
  return { open, closed, busy, pager, refresh: pager.selfHref };
}
