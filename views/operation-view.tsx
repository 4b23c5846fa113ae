// The live parts of an operation on the server page: progress bar, resource steps, log, and
// the poller. The page renders them whole; the SSE stream sends them as out-of-band fragments
// (LiveFrame) as events arrive.
import { finishedOperationStatuses, isBusy, serverMachine, type ServerStatus } from "../state/statuses.ts";
import { Badge, type Tone } from "./components.tsx";
import { stepsDone, type Live, type LogLine } from "./operation-live.ts";
import { StatusBadge } from "./servers.tsx";

const clock = (d: Date) => d.toISOString().slice(11, 19);

export const LogItems = (p: { lines: LogLine[] }) => (
  <>
    {p.lines.map((l) => (
      <li class={`line line-${l.tone}`} id={`log-${l.seq}`}>
        <time datetime={l.at.toISOString()}>{clock(l.at)}</time>
        <span class="text">{l.text}</span>
      </li>
    ))}
  </>
);

export const LogList = (p: { live: Live; oob?: boolean }) => {
  return (
    <ol id="log" class="log" hx-swap-oob={p.oob ? "true" : undefined}>
      {p.live.earlier > 0 && <li class="line line-milestone">… {p.live.earlier} earlier lines (the JSON API has all of them)</li>}
      <LogItems lines={p.live.log} />
    </ol>
  );
};

export const Progress = (p: { live: Live; oob?: boolean }) => {
  const { live } = p;
  const total = live.steps.length;
  const tone = live.opStatus === "failed" ? "bad" : live.opStatus === "cancelled" ? "muted" : live.opStatus === "succeeded" ? "ok" : "info";
  const label =
    live.opStatus === "queued"
      ? "Queued: waiting for a free worker or for the stack's previous operation"
      : `${live.opStatus === "running" ? (live.serverStatus ?? "running") : live.opStatus}${total ? `: ${stepsDone(live)} of ${total} resource step${total === 1 ? "" : "s"} done` : ""}`;
  return (
    <div id="progress" class={`progress progress-${tone}`} hx-swap-oob={p.oob ? "true" : undefined}>
      <div class="progress-track" role="progressbar" aria-label="Progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow={String(live.percent)} aria-valuetext={`${live.percent}% · ${label}`}>
        <div class="progress-fill" style={`width: ${live.percent}%`}></div>
      </div>
      <div class="progress-label">
        <strong>{live.percent}%</strong> <span class="muted">{label}</span>
      </div>
    </div>
  );
};

const phaseTone: Record<string, Tone> = { done: "ok", failed: "bad" };
const shortType = (t: string) => `${t.split(":")[0]}:${t.slice(t.lastIndexOf(":") + 1)}`;

export const Steps = (p: { live: Live; oob?: boolean }) => {
  const over = finishedOperationStatuses.includes(p.live.opStatus);
  return (
    <table id="steps" class="list steps" hx-swap-oob={p.oob ? "true" : undefined}>
      <thead>
        <tr>
          <th>Resource</th>
          <th>Type</th>
          <th>Step</th>
          <th>State</th>
          <th class="num">Time</th>
        </tr>
      </thead>
      <tbody>
        {p.live.steps.length === 0 && (
          <tr>
            <td colspan={5} class="muted">
              No resource steps yet.
            </td>
          </tr>
        )}
        {p.live.steps.map((s) => (
          <tr>
            <td>
              <strong>{s.name}</strong>
            </td>
            <td>
              <code title={s.type}>{shortType(s.type)}</code>
            </td>
            <td>{s.op}</td>
            <td>
              {s.phase !== "started" ? <Badge tone={phaseTone[s.phase]!}>{s.phase}</Badge> : over ? <Badge tone="muted">unfinished</Badge> : <Badge tone="info">in progress</Badge>}
            </td>
            <td class="num muted">{s.finishedAt ? `${((s.finishedAt.getTime() - s.startedAt.getTime()) / 1000).toFixed(1)} s` : over ? "" : "…"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

/** How a live page draws its subject (a server's unless said): the element polling replaces, and its badge. */
export interface LiveLook {
  /** The id of the subject's body, which polling and status changes fetch again. */
  bodyId: string;
  /** Whether an operation is under way in `status` (the badge pulses). */
  busy(status: string): boolean;
  /** What the log calls a status change. */
  statusLabel: string;
}

export const serverLook: LiveLook = { bodyId: "server-body", busy: (s) => isBusy(serverMachine, s as ServerStatus), statusLabel: "Server status" };

export const Poller = (p: { url: string; seconds: number; oob?: boolean; bodyId?: string }) => (
  <div id="poller" hx-get={p.url} hx-trigger={`every ${p.seconds}s`} hx-target={`#${p.bodyId ?? serverLook.bodyId}`} hx-swap="outerHTML" hx-swap-oob={p.oob ? "true" : undefined}></div>
);

/**
 * One SSE message: the pieces of the page that events changed, swapped out of band. `lines` are
 * appended to the log; without them the whole log is replaced (a fresh connection's catch-up).
 */
export const LiveFrame = (p: { live: Live; lines?: LogLine[]; status: boolean; steps: boolean; poller: { url: string; seconds: number }; look?: LiveLook }) => {
  const look = p.look ?? serverLook;
  return (
  <>
    {p.steps && <Steps live={p.live} oob />}
    <Progress live={p.live} oob />
    {p.status && p.live.serverStatus && <StatusBadge id="status-badge" status={p.live.serverStatus as ServerStatus} busy={look.busy(p.live.serverStatus)} oob />}
    {!p.lines ? (
      <LogList live={p.live} oob />
    ) : (
      p.lines.length > 0 && (
        <ol hx-swap-oob="beforeend:#log">
          <LogItems lines={p.lines} />
        </ol>
      )
    )}
    <Poller url={p.poller.url} seconds={p.poller.seconds} bodyId={look.bodyId} oob />
  </>
  );
};
