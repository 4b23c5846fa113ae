// What every live page (a server's, a deployment's) shows of its operations: the one it follows
// with a progress bar, each resource's step and the log, kept current by the SSE stream; the
// list of all of them; and the one-button forms its actions are.
import type { OperationKind, OperationStatus } from "../state/statuses.ts";
import { Badge, CsrfInput, When, type Tone } from "./components.tsx";
import type { Live } from "./operation-live.ts";
import { remediationTitle } from "./drift-badge.tsx";
import { LogList, Progress, Steps } from "./operation-view.tsx";

export interface OperationView {
  id: string;
  kind: OperationKind;
  params: Record<string, unknown>;
  status: OperationStatus;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
}

/** What the subject calls its operations where a server's words do not fit (a deployment is deployed and removed). */
export type OperationWords = Partial<Record<OperationKind, string>>;

export function operationTitle(op: Pick<OperationView, "kind" | "params">, words: OperationWords = {}): string {
  // Run from a shell by `hoist` (server/cli/): the OS user who ran it.
  const from = typeof op.params.cli === "string" ? ` (hoist CLI, ${op.params.cli})` : "";
  if (op.kind === "power") return op.params.action === "on" ? "Power on" : "Power off";
  if (op.kind === "destroy" && op.params.keepData) return "Remove (data kept)";
  if (typeof op.params.remediation === "string") return remediationTitle(op.kind, op.params.remediation) + from;
  return (words[op.kind] ?? { up: "Create / update", destroy: "Destroy", refresh: "Refresh", drift: "Drift check", preview: "Preview", restart: "Restart", power: "Power", migrate: "Migrate" }[op.kind]) + from;
}

export const opTone: Record<OperationStatus, Tone> = { queued: "muted", running: "info", succeeded: "ok", failed: "bad", cancelled: "muted" };

/** A one-button form; the button's id lets htmx give focus back after the body is refreshed. */
export const PostButton = (p: { action: string; csrf: string; label: string; tone?: "primary" | "danger"; fields?: Record<string, string>; children?: unknown }) => (
  <form method="post" action={p.action} class="inline">
    <CsrfInput token={p.csrf} />
    {Object.entries(p.fields ?? {}).map(([k, v]) => (
      <input type="hidden" name={k} value={v} />
    ))}
    {p.children}
    <button type="submit" class={p.tone} id={`do-${p.action.slice(p.action.lastIndexOf("/") + 1)}`}>
      {p.label}
    </button>
  </form>
);

export interface OperationCardProps {
  op?: OperationView;
  live?: Live;
  /** The live stream of `op` while it runs; absent when it is finished. */
  streamUrl?: string;
  pollUrl: string;
  /** The element a status change makes the page fetch again. */
  bodyId: string;
  now: Date;
  /** What the card says before any operation ran. */
  empty: string;
  words?: OperationWords;
}

export const OperationCard = (p: OperationCardProps) => {
  const { op, live } = p;
  if (!op || !live) return <p class="muted">{p.empty}</p>;
  const inner = (
    <>
      <div sse-swap="frame" hx-swap="none"></div>
      <div hx-trigger="sse:refresh" hx-get={`${p.pollUrl}&force=1`} hx-target={`#${p.bodyId}`} hx-swap="outerHTML"></div>
      <Progress live={live} />
      <h4>Resources</h4>
      <Steps live={live} />
      <h4>Log</h4>
      <div class="log-scroll" tabindex={0} aria-label="Operation log">
        <LogList live={live} />
      </div>
    </>
  );
  return (
    <div class="card operation">
      <div class="server-title">
        <h3>
          {operationTitle(op, p.words)} <Badge tone={opTone[op.status]}>{op.status}</Badge>
        </h3>
        <span class="muted small">
          {op.startedAt ? "started " : "requested "}
          <When at={op.startedAt ?? op.createdAt} now={p.now} />
          {op.finishedAt && (
            <>
              {" · finished "}
              <When at={op.finishedAt} now={p.now} />
            </>
          )}
        </span>
      </div>
      {p.streamUrl ? (
        <div id="live" hx-ext="sse" sse-connect={p.streamUrl} sse-close="end">
          {inner}
        </div>
      ) : (
        <div id="live">{inner}</div>
      )}
    </div>
  );
};

/** Every operation of the subject, each a link to its own log. */
export const OperationHistory = (p: { history: OperationView[]; current?: string; linkBase: string; now: Date; words?: OperationWords }) =>
  p.history.length < 2 ? null : (
    <details class="card history">
      <summary>All operations ({p.history.length})</summary>
      <table class="list">
        <tbody>
          {p.history.map((o) => (
            <tr>
              <td>
                <a href={`${p.linkBase}?op=${o.id}`} aria-current={o.id === p.current ? "true" : undefined}>
                  {operationTitle(o, p.words)}
                </a>
              </td>
              <td>
                <Badge tone={opTone[o.status]}>{o.status}</Badge>
              </td>
              <td>
                <When at={o.createdAt} now={p.now} />
              </td>
              <td class="reason small">{o.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
