// One app deployment: its status, address, node, ports and settings, what went wrong and what to
// do, and the operation under way with its steps and log, live like a server's page.
// `#deployment-body` is rendered whole for the page, for polling and after each status change;
// the container's logs and usage sit outside it, so that a refresh never cuts them off.
import { OpenChanges, type OpenChange } from "./change-page.tsx";
import { DriftBadge, DriftCard, type DriftView } from "./drift-badge.tsx";
import { When } from "./components.tsx";
import { ContainerCard } from "./container-panel.tsx";
import { AppsPage } from "./apps.tsx";
import { OperationCard, OperationHistory, PostButton, type OperationView, type OperationWords } from "./operation-card.tsx";
import type { Live } from "./operation-live.ts";
import { Poller } from "./operation-view.tsx";
import { AppUrl, NodeLink, type DeploymentView } from "./deployments.tsx";
import { NodeStateBadge, StatusBadge, type Base } from "./servers.tsx";
import { UsageCharts, type Usage } from "./usage-chart.tsx";

export const DEPLOYMENT_BODY = "deployment-body";

const words: OperationWords = { up: "Deploy / update", destroy: "Remove" };

/** What the operator may do now (the route asks the status machine). */
export interface DeploymentActions {
  restart: boolean;
  update: boolean;
  remove: boolean;
  retry: boolean;
}

export interface DeploymentBodyProps {
  deployment: DeploymentView;
  op?: OperationView;
  live?: Live;
  history: OperationView[];
  actions: DeploymentActions;
  canWrite: boolean;
  csrf: string;
  now: Date;
  /** The subject can no longer change: nothing to poll for. */
  final: boolean;
  /** The last removal kept the app's volumes on the node. */
  keptData: boolean;
  streamUrl?: string;
  pollUrl: string;
  pollSeconds: number;
  /** Its stack's drift: the badge, and the card with Check for drift and its reports. */
  drift?: DriftView;
  /** What the monitor measured of its container. */
  usageHistory?: { points: Usage[]; latest?: Usage; window: string; intervalSeconds: number };
}

const base = (d: DeploymentView) => `/deployments/${d.id}`;

const Header = (p: DeploymentBodyProps) => {
  const d = p.deployment;
  const a = p.actions;
  return (
    <div class="card server-head">
      <div class="server-title">
        <h2>
          <span aria-hidden="true">{d.app.icon}</span> {d.name} <StatusBadge id="status-badge" status={d.status} busy={d.busy} /> <DriftBadge drift={p.drift} />
        </h2>
        {p.canWrite && (
          <div class="row-actions">
            {a.restart && <PostButton action={`${base(d)}/restart`} csrf={p.csrf} label="Restart" />}
            {a.update && (
              <a class="button" href={`${base(d)}/update`}>
                Update…
              </a>
            )}
            {/* A failed deployment offers it beside Retry. */}
            {a.remove && !a.retry && (
              <a class="button danger" href={`${base(d)}/remove`}>
                Remove…
              </a>
            )}
          </div>
        )}
      </div>
      <dl class="facts">
        <dt>App</dt>
        <dd>{d.app.name}</dd>
        <dt>Image</dt>
        <dd>
          <code>{d.image}</code>
        </dd>
        <dt>Address</dt>
        <dd>
          <AppUrl url={d.url} />
        </dd>
        {d.gateway && (
          <>
            <dt>Gateway</dt>
            <dd>
              <AppUrl url={d.gateway.http} /> <span class="muted">· </span>
              <a href={d.gateway.https} class="app-url" target="_blank" rel="noopener noreferrer">
                {d.gateway.https}
              </a>
              <div class="muted">A stable address: it stays when the app moves to another node.</div>
            </dd>
          </>
        )}
        <dt>Node</dt>
        <dd>
          <NodeLink node={d.node} /> {d.node && <NodeStateBadge state={d.node.state} reason={d.node.stateReason} />}
        </dd>
        <dt>Stack</dt>
        <dd>
          <code>{d.stack}</code>
        </dd>
        <dt>Created</dt>
        <dd>
          <When at={d.createdAt} now={p.now} />
          {d.owner && <span class="muted"> by {d.owner}</span>}
        </dd>
      </dl>
    </div>
  );
};

const Failure = (p: DeploymentBodyProps) => {
  const d = p.deployment;
  if (!p.actions.retry || !d.error) return null;
  return (
    <div class="card failure" role="alert">
      <h3>It failed: {d.error.reason}</h3>
      <dl class="facts">
        {d.error.code && (
          <>
            <dt>Code</dt>
            <dd>
              <code>{d.error.code}</code>
            </dd>
          </>
        )}
        {d.error.action && (
          <>
            <dt>What to do</dt>
            <dd>{d.error.action}</dd>
          </>
        )}
        <dt>Retry</dt>
        <dd>{d.error.retryable === false ? "will not help until the cause is fixed" : "may help"}</dd>
      </dl>
      {p.canWrite && (
        <div class="failure-actions">
          <PostButton action={`${base(d)}/retry`} csrf={p.csrf} label="Retry" tone="primary" />
          {p.actions.remove && (
            <a class="button danger" href={`${base(d)}/remove`}>
              Remove…
            </a>
          )}
        </div>
      )}
    </div>
  );
};

const Settings = (p: { d: DeploymentView }) => (
  <div class="card">
    <h3>Ports and settings</h3>
    <dl class="facts">
      {p.d.ports.map((port) => (
        <>
          <dt>{port.label}</dt>
          <dd>
            <code>
              {p.d.node?.address ?? "?"}:{port.host}
            </code>{" "}
            <span class="muted small">{port.protocol}</span>
          </dd>
        </>
      ))}
      {p.d.settings.map((s) => (
        <>
          <dt>
            {s.label} <code class="muted small">{s.name}</code>
          </dt>
          <dd>
            {s.secret ? (
              <span class="badge badge-muted">{s.required ? "set · hidden" : "hidden (if set)"}</span>
            ) : s.value === undefined ? (
              <span class="muted">not set</span>
            ) : (
              <code>{s.value}</code>
            )}
            {s.fixed && <span class="muted small"> (set by the app)</span>}
          </dd>
        </>
      ))}
      {p.d.volumes.map((v) => (
        <>
          <dt>{v.label} (volume)</dt>
          <dd>
            <code>{v.path}</code>
          </dd>
        </>
      ))}
    </dl>
  </div>
);

export const DeploymentBody = (p: DeploymentBodyProps) => (
  <div id={DEPLOYMENT_BODY}>
    <Header {...p} />
    {p.final && (
      <p class="flash flash-info">
        This deployment was removed: its container is gone from the node
        {p.deployment.volumes.length > 0 && (p.keptData ? ", and its volumes were kept there" : ", and so are its volumes")}. Its stack was removed.
      </p>
    )}
    {p.deployment.migrationId && (
      <p class="flash flash-info">
        A migration is moving it: <a href={`/migrations/${p.deployment.migrationId}`}>follow it there</a>. Until it is done with it, it cannot be updated, restarted or removed.
      </p>
    )}
    <Failure {...p} />
    <OperationCard op={p.op} live={p.live} streamUrl={p.streamUrl} pollUrl={p.pollUrl} bodyId={DEPLOYMENT_BODY} now={p.now} empty="No operation has run for this deployment yet." words={words} />
    <Settings d={p.deployment} />
    {p.drift && !p.final && <DriftCard drift={p.drift} canWrite={p.canWrite} csrf={p.csrf} now={p.now} />}
    <OperationHistory history={p.history} current={p.op?.id} linkBase={base(p.deployment)} now={p.now} words={words} />
    {!p.final && <Poller url={p.pollUrl} seconds={p.pollSeconds} bodyId={DEPLOYMENT_BODY} />}
  </div>
);

export const DeploymentPage = (p: Base & DeploymentBodyProps & { openChanges: OpenChange[] }) => (
  <AppsPage title={p.deployment.name} tab="deployments" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/deployments">Deployments</a> / <span aria-current="page">{p.deployment.name}</span>
    </nav>
    <DeploymentBody {...p} />
    <OpenChanges base={base(p.deployment)} changes={p.openChanges} />
    {!p.final && p.usageHistory && (
      <div class="card" id="usage-history">
        <h3>Usage over time</h3>
        <UsageCharts
          points={p.usageHistory.points}
          latest={p.usageHistory.latest}
          disk={false}
          now={p.now}
          window={p.usageHistory.window}
          empty={`Not measured yet: Hoist samples the container's CPU and memory over SSH every ${p.usageHistory.intervalSeconds} s while it runs.`}
        />
      </div>
    )}
    {!p.final && <ContainerCard id={p.deployment.id} />}
  </AppsPage>
);

export const RemoveDeploymentPage = (p: Base & { deployment: DeploymentView; busy: boolean }) => {
  const d = p.deployment;
  return (
    <AppsPage title={`Remove ${d.name}`} tab="deployments" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/deployments">Deployments</a> / <a href={base(d)}>{d.name}</a> / <span aria-current="page">Remove</span>
      </nav>
      <div class="card danger-zone">
        <h2>Remove the deployment “{d.name}”?</h2>
        <p>
          Hoist destroys its stack <code>{d.stack}</code>: the container of {d.app.name} stops and is deleted from {d.node ? <strong>{d.node.name}</strong> : "its node"}
          {d.ports.length > 0 && <>, and its port{d.ports.length === 1 ? "" : "s"} {d.ports.map((x) => x.host).join(", ")} become free there</>}.
        </p>
        {p.busy && <p class="flash flash-info">An operation is under way for it: that operation is stopped first, then the removal runs.</p>}
        <form method="post" action={`${base(d)}/remove`}>
          <input type="hidden" name="_csrf" value={p.csrf} />
          {d.volumes.length > 0 ? (
            <fieldset class="deploy-group">
              <legend>The app's data</legend>
              <p class="small">
                It keeps its data in {d.volumes.length === 1 ? "a volume" : "volumes"} on the node: {d.volumes.map((v) => `${v.label} (${v.path})`).join(", ")}. Unless you keep them, they are deleted with the
                container, and that cannot be undone.
              </p>
              <label class="check">
                <input type="checkbox" name="keepData" value="on" /> Keep the app's data (volumes stay on the node)
              </label>
            </fieldset>
          ) : (
            <p class="muted small">This app keeps no data in volumes: nothing else is left on the node.</p>
          )}
          <div class="form-actions">
            <button type="submit" class="danger">
              Remove deployment
            </button>
            <a href={base(d)}>Cancel</a>
          </div>
        </form>
      </div>
    </AppsPage>
  );
};
