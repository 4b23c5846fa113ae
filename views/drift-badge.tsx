// A stack's drift as its server's or deployment's pages show it: the badge on lists and headers,
// and the card with the last check, "Check for drift", auto-restore and the stack's reports.
import type { DriftState, OperationKind } from "../state/statuses.ts";
import { Badge, CsrfInput, When } from "./components.tsx";

export interface DriftView {
  /** drifted: a report is open; clean: the last check found none; failed: the last check could not run; unchecked: none ran yet. */
  state: "drifted" | "clean" | "failed" | "unchecked";
  /** A check is queued or running. */
  checking: boolean;
  reportId?: string;
  /** Drifted resources by kind (changed, deleted, unexpected). */
  summary?: Record<string, number>;
  since?: Date;
  checkedAt?: Date | null;
  checkError?: string | null;
  checkOperationId?: string;
  autoRestore: boolean;
  /** Whether a check means something now (a ready server, a running deployment). */
  checkable: boolean;
  /** The form field naming the subject, its id, and the page to come back to. */
  subject: { field: "serverId" | "deploymentId"; id: string; back: string };
  history: { id: string; state: DriftState; detectedAt: Date; resolvedAt: Date | null; summary: Record<string, number> }[];
}

/** "2 changed, 1 deleted". */
export const summaryText = (s: Record<string, number> | undefined) =>
  Object.entries(s ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");

const count = (s: Record<string, number> | undefined) => Object.values(s ?? {}).reduce((a, b) => a + b, 0);

/** The drift badge: shown while a report is open (linking to it), or when the last check failed. */
export const DriftBadge = (p: { drift?: DriftView }) => {
  const d = p.drift;
  if (!d) return null;
  if (d.state === "drifted")
    return (
      <a class="badge badge-warn drift-badge" href={`/drift#report-${d.reportId}`} title={`Drift: ${summaryText(d.summary)}`}>
        drift · {count(d.summary)}
      </a>
    );
  if (d.state === "failed") return <Badge tone="muted" title={d.checkError ?? undefined}>drift check failed</Badge>;
  return null;
};

const closedWords: Record<DriftState, string> = { open: "open", accepted: "accepted", restored: "restored", cleared: "cleared by itself" };

/** The card on a server's or deployment's page. */
export const DriftCard = (p: { drift: DriftView; canWrite: boolean; csrf: string; now: Date }) => {
  const d = p.drift;
  const hidden = { [d.subject.field]: d.subject.id, back: d.subject.back };
  return (
    <div class="card drift-card" id="drift-card">
      <div class="server-title">
        <h3>
          Drift <DriftBadge drift={d} />
          {d.state === "clean" && <Badge tone="ok">no drift</Badge>}
          {d.checking && <Badge tone="info">checking…</Badge>}
        </h3>
        {p.canWrite && d.checkable && (
          <form method="post" action="/drift/check" class="inline">
            <CsrfInput token={p.csrf} />
            {Object.entries(hidden).map(([k, v]) => (
              <input type="hidden" name={k} value={v} />
            ))}
            <button type="submit" id="check-drift" disabled={d.checking}>
              Check for drift
            </button>
          </form>
        )}
      </div>
      <dl class="facts">
        <dt>Last checked</dt>
        <dd>
          <When at={d.checkedAt} now={p.now} never={d.checking ? "not yet (a check is waiting)" : "never"} />
          {d.state === "failed" && d.checkError && <span class="reason"> · the check failed: {d.checkError}</span>}
        </dd>
        {d.state === "drifted" && (
          <>
            <dt>Drifted</dt>
            <dd>
              {summaryText(d.summary)} since <When at={d.since} now={p.now} /> · <a href={`/drift#report-${d.reportId}`}>see the report, Accept or Restore</a>
            </dd>
          </>
        )}
        <dt>Auto-restore</dt>
        <dd>
          {p.canWrite ? (
            <form method="post" action="/drift/settings" class="inline">
              <CsrfInput token={p.csrf} />
              {Object.entries(hidden).map(([k, v]) => (
                <input type="hidden" name={k} value={v} />
              ))}
              <input type="hidden" name="autoRestore" value={d.autoRestore ? "off" : "on"} />
              <span>{d.autoRestore ? "on: drift found is restored at once" : "off: drift found waits for you"} </span>
              <button type="submit" class="small link" id="auto-restore">
                {d.autoRestore ? "Turn off" : "Turn on"}
              </button>
            </form>
          ) : (
            <span>{d.autoRestore ? "on" : "off"}</span>
          )}
        </dd>
      </dl>
      {d.history.some((h) => h.state !== "open") && (
        <details>
          <summary>Earlier drift</summary>
          <ul class="drift-history">
            {d.history
              .filter((h) => h.state !== "open")
              .map((h) => (
                <li>
                  {summaryText(h.summary)}, found <When at={h.detectedAt} now={p.now} />, {closedWords[h.state]} <When at={h.resolvedAt} now={p.now} />
                </li>
              ))}
          </ul>
        </details>
      )}
    </div>
  );
};

/** An operation's title when it is a drift remediation. */
export function remediationTitle(kind: OperationKind, action: string): string {
  const what = action === "accept" ? "Accept drift" : "Restore drift";
  return kind === "preview" ? `Preview: ${what}` : what;
}
