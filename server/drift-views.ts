// Drift as the pages and the JSON API show it: a stack's drift (badge, card), reports with their
// resources and remediation, and the schedule in words.
import type { Plan } from "../engine/plan.ts";
import { activeRemediation, remediationsOf, type Remediation } from "../state/drift-remediations.ts";
import { lastCheckOf, lastChecksOf, listReports, openReportOf, openReportsOf, reportsOfStack, resourcesOf, settingsOf, settingsOfStacks, type DriftReport, type DriftSettings } from "../state/drift.ts";
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

/** Where a report's subject (and its operations) live in the console. */
function subjectLink(deps: Deps, r: DriftReport) {
  const name = subjectName(deps, r);
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

export function reportView(deps: Deps, r: DriftReport): ReportView {
  const subject = subjectLink(deps, r);
  const latest = remediationsOf(deps.db, r.id)[0];
  const shown = activeRemediation(deps.db, r.id) ?? (latest && ["failed", "stale"].includes(latest.status) ? latest : undefined);
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
    resources: r.state === "open" ? resourcesOf(deps.db, r.id) : [],
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

/** The Drift page's reports: open ones newest first, and those closed lately. */
export function driftPageReports(deps: Deps, actor: Actor) {
  const open = listReports(deps.db, actor.scope, "open").map((r) => reportView(deps, r));
  const closed = listReports(deps.db, actor.scope, "closed", 20).map((r) => reportView(deps, r));
  const busy = open.some((r) => r.remediated || r.remediation?.status === "previewing" || r.remediation?.status === "applying");
  return { open, closed, busy };
}
