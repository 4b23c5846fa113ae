// One cloud server: its status, what went wrong and what to do, its node, and the operation under
// way with a progress bar, each resource's step and the log. `#server-body` is rendered whole for
// the page, for polling and after each status change; in between, the SSE stream sends the
// small pieces (LiveFrame in operation-view.tsx).
import { CsrfInput, When } from "./components.tsx";
import { DriftBadge, DriftCard } from "./drift-badge.tsx";
import { OperationCard, OperationHistory, PostButton, type OperationView } from "./operation-card.tsx";
import { TabbedPage } from "./nodes.tsx";
import type { Live } from "./operation-live.ts";
import { Poller } from "./operation-view.tsx";
import { GatewayCard } from "./server-gateway.tsx";
import { OpenChanges, type OpenChange } from "./change-page.tsx";
import { NodeDeployments, type DeploymentView } from "./deployments.tsx";
import { DedicatedCard, RegionsLoader, type DedicatedView } from "./server-dedicated.tsx";
import { UsageCharts, type Resource, type Usage } from "./usage-chart.tsx";
import { CredentialChoice, NodeStateBadge, Price, StatusBadge, type Base, type CredentialOption, type ServerView } from "./servers.tsx";

/** What the operator may do now (the route asks the status machine). */
export interface ServerActions {
  retry: boolean;
  destroy: boolean;
  stop: boolean;
  start: boolean;
  cancel: boolean;
  check: boolean;
  /** A size, image or firewall change may be proposed. */
  change: boolean;
}

export interface ServerBodyProps {
  server: ServerView;
  op?: OperationView;
  live?: Live;
  history: OperationView[];
  actions: ServerActions;
  canWrite: boolean;
  csrf: string;
  now: Date;
  options: CredentialOption[];
  errors: Record<string, string>;
  /** The live stream of `op` while it runs; absent when it is finished. */
  streamUrl?: string;
  pollUrl: string;
  pollSeconds: number;
  /** Changes proposed and not yet applied or discarded. */
  openChanges: OpenChange[];
  /** The apps deployed on its node, and whether the node may take more now. */
  nodeApps?: { deployments: DeploymentView[]; canHost: boolean };
  /** What the monitor measured on its node. */
  nodeUsage?: NodeUsageView;
  /** The wizard made it as a dedicated node for these deployments. */
  dedicated?: DedicatedView;
  /** It failed for want of room in its region: other regions are offered. */
  regionalFailure?: boolean;
}

export interface NodeUsageView {
  points: Usage[];
  latest?: Usage;
  near: Resource[];
  window: string;
  /** Why the last sampling failed, when it did. */
  lastError: string | null;
  intervalSeconds: number;
}


const Header = (p: ServerBodyProps) => {
  const s = p.server;
  const base = `/nodes/cloud/${s.id}`;
  const a = p.actions;
  return (
    <div class="card server-head">
      <div class="server-title">
        <h2>
          {s.name} <StatusBadge id="status-badge" status={s.status} busy={s.busy} /> <DriftBadge drift={s.drift} />
        </h2>
        {p.canWrite && (
          <div class="row-actions">
            {a.cancel && p.op && <PostButton action={`${base}/cancel`} csrf={p.csrf} label="Cancel operation" fields={{ operationId: p.op.id }} />}
            {a.stop && <PostButton action={`${base}/stop`} csrf={p.csrf} label="Stop" />}
            {a.start && <PostButton action={`${base}/start`} csrf={p.csrf} label="Start" tone="primary" />}
            {a.change && (
              <a class="button" href={`${base}/change`}>
                Change…
              </a>
            )}
            {/* A failed server offers it beside Retry. */}
            {a.destroy && s.status !== "failed" && (
              <a class="button danger" href={`${base}/destroy`}>
                Destroy…
              </a>
            )}
          </div>
        )}
      </div>
      <dl class="facts">
        <dt>Provider</dt>
        <dd>{s.cloudLabel}</dd>
        <dt>Location</dt>
        <dd>{s.region}</dd>
        <dt>Size</dt>
        <dd>{s.size}</dd>
        <dt>Image</dt>
        <dd>{s.image}</dd>
        <dt>Firewall</dt>
        <dd>TCP {s.firewallPorts.join(", ")}</dd>
        <dt>Monthly</dt>
        <dd>
          <Price s={s} />
        </dd>
        <dt>Credential</dt>
        <dd>{s.credential ? s.credential.name : <span class="badge badge-warn">deleted</span>}</dd>
        <dt>Stack</dt>
        <dd>
          <code>{s.stack}</code>
        </dd>
        <dt>Created</dt>
        <dd>
          <When at={s.createdAt} now={p.now} />
          {s.owner && <span class="muted"> by {s.owner}</span>}
        </dd>
      </dl>
    </div>
  );
};

const Failure = (p: ServerBodyProps) => {
  const s = p.server;
  if (s.status !== "failed" || !s.error) return null;
  return (
    <div class="card failure" role="alert">
      <h3>It failed: {s.error.reason}</h3>
      <dl class="facts">
        {s.error.code && (
          <>
            <dt>Provider code</dt>
            <dd>
              <code>{s.error.code}</code>
            </dd>
          </>
        )}
        {s.error.action && (
          <>
            <dt>What to do</dt>
            <dd>{s.error.action}</dd>
          </>
        )}
        <dt>Retry</dt>
        <dd>{s.error.retryable === false ? "will not help until the cause is fixed" : "may help"}</dd>
      </dl>
      {p.canWrite && (
        <div class="failure-actions">
          {p.actions.retry && (
            <PostButton action={`/nodes/cloud/${s.id}/retry`} csrf={p.csrf} label="Retry" tone="primary">
              <CredentialChoice server={s} options={p.options} error={p.errors.credentialId} />
            </PostButton>
          )}
          {p.actions.destroy && (
            <a class="button danger" href={`/nodes/cloud/${s.id}/destroy`}>
              Destroy…
            </a>
          )}
        </div>
      )}
    </div>
  );
};

const NodeCard = (p: ServerBodyProps) => {
  const n = p.server.node;
  if (!n) return null;
  const f = n.facts ?? {};
  return (
    <div class="card node-card">
      <div class="server-title">
        <h3>
          Node <NodeStateBadge state={n.state} reason={n.stateReason} />
        </h3>
        {p.canWrite && p.actions.check && <PostButton action={`/nodes/${n.id}/check`} csrf={p.csrf} label="Check now" fields={{ back: `/nodes/cloud/${p.server.id}` }} />}
      </div>
      <dl class="facts">
        <dt>Address</dt>
        <dd>
          <code>{n.address}</code>
        </dd>
        <dt>SSH</dt>
        <dd>
          <code>
            ssh -p {n.sshPort} {n.sshUser}@{n.address}
          </code>
        </dd>
        <dt>Host key</dt>
        <dd>
          <code>{n.hostKeyFingerprint ?? "unknown"}</code>
        </dd>
        <dt>System</dt>
        <dd>{[f.os, f.cpus && `${f.cpus} CPU`, f.memoryMb && `${(f.memoryMb / 1024).toFixed(1)} GB memory`, f.diskGb && `${f.diskGb} GB disk`, f.arch].filter(Boolean).join(" · ") || "unknown"}</dd>
        <dt>Checked</dt>
        <dd>
          <When at={n.checkedAt} now={p.now} />
          {n.stateReason && <span class="muted"> · {n.stateReason}</span>}
        </dd>
      </dl>
      {p.nodeUsage && (
        <section class="node-usage" aria-label="Usage">
          <UsageCharts
            points={p.nodeUsage.points}
            latest={p.nodeUsage.latest}
            near={p.nodeUsage.near}
            disk
            now={p.now}
            window={p.nodeUsage.window}
            empty={`Not measured yet: Hoist samples CPU, memory and disk over SSH every ${p.nodeUsage.intervalSeconds} s while the server is ready.`}
          />
          {p.nodeUsage.lastError && <p class="reason small">The last sample failed: {p.nodeUsage.lastError}</p>}
        </section>
      )}
      {p.nodeApps && <NodeDeployments nodeId={n.id} deployments={p.nodeApps.deployments} canWrite={p.canWrite} canHost={p.nodeApps.canHost} />}
    </div>
  );
};

export const ServerBody = (p: ServerBodyProps) => (
  <div id="server-body">
    <Header {...p} />
    {p.server.status === "destroyed" && <p class="flash flash-info">This server was destroyed: it no longer exists at the provider, and its stack was removed.</p>}
    <Failure {...p} />
    {p.regionalFailure && p.canWrite && <RegionsLoader serverId={p.server.id} />}
    {p.dedicated && <DedicatedCard d={p.dedicated} />}
    <NodeCard {...p} />
    <OpenChanges base={`/nodes/cloud/${p.server.id}`} changes={p.openChanges} />
    <GatewayCard gateway={p.server.gateway} />
    {p.server.drift && p.server.status !== "destroyed" && <DriftCard drift={p.server.drift} canWrite={p.canWrite} csrf={p.csrf} now={p.now} />}
    <OperationCard op={p.op} live={p.live} streamUrl={p.streamUrl} pollUrl={p.pollUrl} bodyId="server-body" now={p.now} empty="No operation has run for this server yet." />
    <OperationHistory history={p.history} current={p.op?.id} linkBase={`/nodes/cloud/${p.server.id}`} now={p.now} />
    {/* A destroyed server never changes again: nothing to poll for. */}
    {p.server.status !== "destroyed" && <Poller url={p.pollUrl} seconds={p.pollSeconds} />}
  </div>
);

export const ServerPage = (p: Base & ServerBodyProps) => (
  <TabbedPage title={p.server.name} tab="cloud" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/nodes/cloud">Cloud Servers</a> / <span aria-current="page">{p.server.name}</span>
    </nav>
    <ServerBody {...p} />
  </TabbedPage>
);
