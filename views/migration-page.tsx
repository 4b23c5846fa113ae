// Migrations: the list, the confirmation before one starts (which deployments move, which of them
// are stateful and will be down for a while), and one migration's live page: a row per
// deployment with its step, Pause / Resume / Cancel, and at the end the summary (response time
// before and after, downtime, the nodes' headroom). `#migration-body` is rendered whole for the
// page and for polling.
import { When } from "./components.tsx";
import { AppsPage } from "./apps.tsx";
import { OperationCard, PostButton, type OperationView } from "./operation-card.tsx";
import type { Live } from "./operation-live.ts";
import { Poller } from "./operation-view.tsx";
import type { Base } from "./servers.tsx";
import type { MigrationStatus, MigrationStep } from "../state/statuses.ts";

export const MIGRATION_BODY = "migration-body";

export interface MigrationItemView {
  deploymentId: string | null;
  name: string;
  stateful: boolean;
  step: MigrationStep;
  from: string;
  hostname: string | null;
  cause: string | null;
  action: string | null;
  beforeMs: number | null;
  afterMs: number | null;
  downtimeMs: number | null;
  /** CPU and memory the node has left (percentage points): the old node before, the new one after. */
  headroom: { before: HeadroomView | null; after: HeadroomView | null };
}

export interface HeadroomView {
  cpuPercent: number | null;
  memoryPercent: number | null;
}

export interface MigrationView {
  id: string;
  status: MigrationStatus;
  busy: boolean;
  node: { id: string; name: string } | null;
  pauseRequested: boolean;
  cancelRequested: boolean;
  pauseReason: string | null;
  error: { reason: string; action: string | null } | null;
  can: { pause: boolean; resume: boolean; cancel: boolean };
  operationId: string | null;
  settings: { graceSeconds: number; healthSeconds: number; watchSeconds: number; slowMs: number; errors: number };
  items: MigrationItemView[];
  createdAt: Date;
  finishedAt: Date | null;
}

const stepWords: Record<MigrationStep, string> = {
  waiting: "Waiting",
  deploying_copy: "Deploying a copy on the new node",
  stopping_old: "Stopping the old copy (downtime begins)",
  copying_data: "Copying its data",
  starting_copy: "Starting the copy on its data",
  checking_copy: "Waiting until the copy is healthy",
  switching: "Switching the gateway, draining the old copy",
  observing: "Watching traffic on the copy",
  removing_old: "Removing the old copy",
  moved: "Moved",
  rolling_back: "Rolling back",
  rolled_back: "Rolled back",
  skipped: "Not moved (cancelled)",
};

const tone: Record<MigrationStatus, string> = { queued: "info", running: "info", paused: "warn", succeeded: "ok", failed: "bad", cancelled: "muted" };
const ms = (v: number | null) => (v === null ? "—" : `${v} ms`);

export const MigrationBadge = (p: { status: MigrationStatus; busy?: boolean }) => <span class={`badge badge-${tone[p.status]}${p.busy ? " busy" : ""}`}>{p.status}</span>;

const pct = (v: number | null) => (v === null ? "—" : `${v}%`);
const Headroom = (p: { h: HeadroomView | null }) =>
  p.h ? (
    <span>
      CPU {pct(p.h.cpuPercent)} free, memory {pct(p.h.memoryPercent)} free
    </span>
  ) : (
    <span class="muted">not measured</span>
  );

const Items = (p: { m: MigrationView }) => (
  <table class="list migration-items">
    <thead>
      <tr>
        <th scope="col">Deployment</th>
        <th scope="col">From</th>
        <th scope="col">Step</th>
        <th scope="col">Response before</th>
        <th scope="col">Response after</th>
        <th scope="col">Downtime</th>
        <th scope="col">Headroom before → after</th>
      </tr>
    </thead>
    <tbody>
      {p.m.items.map((i) => (
        <tr data-deployment={i.deploymentId ?? ""} data-step={i.step}>
          <td>
            {i.deploymentId ? <a href={`/deployments/${i.deploymentId}`}>{i.name}</a> : i.name}
            {i.stateful && <span class="muted small"> · stateful</span>}
            {i.hostname && <div class="muted small">{i.hostname}</div>}
          </td>
          <td>{i.from}</td>
          <td>
            {stepWords[i.step]}
            {i.cause && (
              <div class="small">
                <strong>{i.cause}</strong>
                {i.action && <div>What to check: {i.action}</div>}
              </div>
            )}
          </td>
          <td>{ms(i.beforeMs)}</td>
          <td>{ms(i.afterMs)}</td>
          <td>{i.stateful ? ms(i.downtimeMs) : "none"}</td>
          <td class="headroom">
            <Headroom h={i.headroom.before} /> → <Headroom h={i.headroom.after} />
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);

export interface MigrationBodyProps {
  m: MigrationView;
  op?: OperationView;
  live?: Live;
  canWrite: boolean;
  csrf: string;
  now: Date;
  streamUrl?: string;
  pollUrl: string;
  pollSeconds: number;
}

export const MigrationBody = (p: MigrationBodyProps) => {
  const m = p.m;
  const base = `/migrations/${m.id}`;
  return (
    <div id={MIGRATION_BODY}>
      <div class="card server-head" id="migration-head">
        <div class="server-title">
          <h2>
            To {m.node?.name ?? "a node that is gone"} <MigrationBadge status={m.status} busy={m.busy} />
          </h2>
          {p.canWrite && (
            <div class="row-actions">
              {m.can.pause && <PostButton action={`${base}/pause`} csrf={p.csrf} label="Pause" />}
              {m.can.resume && <PostButton action={`${base}/resume`} csrf={p.csrf} label="Resume" tone="primary" />}
              {m.can.cancel && <a class="button danger" href={`${base}/cancel`}>Cancel…</a>}
            </div>
          )}
        </div>
        {m.pauseRequested && m.status !== "paused" && <p class="flash flash-info">Pausing after the step under way…</p>}
        {m.cancelRequested && <p class="flash flash-info">Cancelling: the deployment in flight is being rolled back…</p>}
        {m.status === "paused" && m.pauseReason && <p class="flash flash-warn">{m.pauseReason}</p>}
        {m.error && (
          <div class="flash flash-error">
            <strong>{m.error.reason}</strong>
            {m.error.action && <p>{m.error.action}</p>}
          </div>
        )}
        <Items m={m} />
        <p class="muted small">
          Started <When at={m.createdAt} now={p.now} />
          {m.finishedAt && (
            <>
              , finished <When at={m.finishedAt} now={p.now} />
            </>
          )}
          . Old copies drain for {m.settings.graceSeconds} s; traffic is watched for {m.settings.watchSeconds} s after each switch, and the migration pauses itself when responses get slower by more than {m.settings.slowMs} ms or {m.settings.errors} of the last ten requests fail.
        </p>
      </div>
      <OperationCard op={p.op} live={p.live} streamUrl={p.streamUrl} pollUrl={p.pollUrl} bodyId={MIGRATION_BODY} now={p.now} empty="The migration has not started yet." />
      {m.busy || m.status === "paused" ? <Poller url={p.pollUrl} seconds={p.pollSeconds} bodyId={MIGRATION_BODY} /> : null}
    </div>
  );
};

export const MigrationPage = (p: Base & MigrationBodyProps) => (
  <AppsPage title="Migration" tab="migrations" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/migrations">Migrations</a> / <span aria-current="page">To {p.m.node?.name ?? "?"}</span>
    </nav>
    <MigrationBody {...p} />
  </AppsPage>
);

export const MigrationsPage = (p: Base & { migrations: MigrationView[] }) => (
  <AppsPage title="Migrations" tab="migrations" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    {p.migrations.length === 0 ? (
      <p class="empty">No migration yet. To move deployments to a dedicated node, create that node (Nodes → a dedicated node), then start a migration from it.</p>
    ) : (
      <table class="list">
        <thead>
          <tr>
            <th scope="col">To</th>
            <th scope="col">Deployments</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {p.migrations.map((m) => (
            <tr>
              <td>
                <a href={`/migrations/${m.id}`}>{m.node?.name ?? "gone"}</a>
              </td>
              <td>{m.items.map((i) => i.name).join(", ")}</td>
              <td>
                <MigrationBadge status={m.status} busy={m.busy} />
              </td>
              <td>
                <When at={m.createdAt} now={p.now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </AppsPage>
);
