// The Deployments tab: every app deployed from the marketplace (the list asks for itself again
// while one is busy), and the list of a node's deployments on its server page.
import { DriftBadge, type DriftView } from "./drift-badge.tsx";
import { deploymentStatuses, type DeploymentStatus, type NodeState } from "../state/statuses.ts";
import { ListFilters, Pager, type PagerView } from "./lists.tsx";
import { EmptyState, ListTable, When } from "./components.tsx";
import { AppsPage } from "./apps.tsx";
import { StatusBadge, type Base } from "./servers.tsx";

export interface DeploymentPortView {
  name: string;
  label: string;
  host: number;
  protocol: string;
  web: boolean;
}

export interface DeploymentSettingView {
  name: string;
  label: string;
  /** Absent for a secret: only its name is ever shown. */
  value?: string;
  secret: boolean;
  required: boolean;
  /** Set by the app's entry (the node's address, a port), not by the operator. */
  fixed: boolean;
}

export interface DeploymentView {
  id: string;
  /** An open drift report's badge, as the list read them for the whole page. */
  drift?: DriftView;
  name: string;
  app: { id: string; name: string; icon: string; category?: string };
  image: string;
  stack: string;
  status: DeploymentStatus;
  busy: boolean;
  /** The web port's address, when the app has one. */
  url: string | null;
  /** Its stable entry point through the gateway (it does not change when the app moves). */
  gateway: { hostname: string; http: string; https: string } | null;
  /** The migration moving it now, if one is. */
  migrationId: string | null;
  node: { id: string; name: string; address: string; serverId: string | null; state: NodeState; stateReason: string | null } | null;
  ports: DeploymentPortView[];
  settings: DeploymentSettingView[];
  volumes: { name: string; label: string; path: string }[];
  error?: { reason: string; code: string | null; action: string | null; retryable: boolean | null };
  createdAt: Date;
  owner?: string;
}

export const NodeLink = (p: { node: DeploymentView["node"] }) =>
  !p.node ? <span class="muted">gone</span> : p.node.serverId ? <a href={`/nodes/cloud/${p.node.serverId}`}>{p.node.name}</a> : <span>{p.node.name}</span>;

export const AppUrl = (p: { url: string | null }) =>
  p.url ? (
    <a href={p.url} class="app-url" target="_blank" rel="noopener noreferrer">
      {p.url}
    </a>
  ) : (
    <span class="muted">—</span>
  );

export interface DeploymentListView {
  deployments: DeploymentView[];
  pager: PagerView;
  /** This page of the table, for the refresh. */
  refresh: string;
  /** The removed deployments this list leaves out (none with a status filter), and where they are listed. */
  removed: { count: number; href: string };
}

/** The default list leaves removed deployments out: it says how many, and links to them. */
export const RemovedNote = (p: { removed: DeploymentListView["removed"] }) =>
  p.removed.count > 0 ? (
    <p class="muted small" id="removed-note">
      {p.removed.count === 1 ? "1 removed deployment is" : `${p.removed.count.toLocaleString("en")} removed deployments are`} not listed here.{" "}
      <a href={p.removed.href}>Show removed deployments</a>
    </p>
  ) : null;

/** A page of the list; while a deployment on it is busy it asks for itself again every few seconds. */
export const DeploymentsTable = (p: DeploymentListView & { now: Date }) => {
  const busy = p.deployments.some((d) => d.busy);
  return (
    <div id="deployments-table" hx-get={busy ? p.refresh : undefined} hx-trigger={busy ? "every 3s" : undefined} hx-swap="outerHTML">
      <ListTable columns={["Name", "App", "Node", "Status", "URL", "Created"]}>
        {p.deployments.map((d) => (
          <tr id={`deployment-${d.id}`}>
            <td>
              <a href={`/deployments/${d.id}`} id={`open-${d.id}`}>
                <strong>{d.name}</strong>
              </a>
              {d.owner && <div class="muted small">{d.owner}</div>}
            </td>
            <td>
              <span aria-hidden="true">{d.app.icon}</span> {d.app.name}
              <div class="muted small">
                <code>{d.image}</code>
              </div>
            </td>
            <td>
              <NodeLink node={d.node} />
            </td>
            <td>
              <StatusBadge status={d.status} busy={d.busy} />
              {d.drift && <> <DriftBadge drift={d.drift} /></>}
              {d.error && <div class="reason small">{d.error.reason}</div>}
            </td>
            <td>
              <AppUrl url={d.url} />
            </td>
            <td>
              <When at={d.createdAt} now={p.now} />
            </td>
          </tr>
        ))}
      </ListTable>
      <Pager pager={p.pager} noun={["deployment", "deployments"]} />
      <RemovedNote removed={p.removed} />
    </div>
  );
};

const openMarketplace = (
  <a class="button primary" href="/marketplace">
    Open the marketplace
  </a>
);

export interface DeploymentFilterValues {
  status?: string;
  app?: string;
  q?: string;
}

export const DeploymentsPage = (
  p: Base & { list?: DeploymentListView; filters: DeploymentFilterValues; errors?: Record<string, string>; appOptions: { value: string; label: string }[] },
) => {
  const filtered = Object.values(p.filters).some(Boolean) || !!p.errors;
  const any = (p.list?.pager.total ?? 0) > 0;
  // Only removed ones: the list is empty, but there is history to find.
  const removed = p.list && p.list.removed.count > 0 && <RemovedNote removed={p.list.removed} />;
  return (
    <AppsPage
      title="Deployments"
      tab="deployments"
      csrf={p.csrf}
      viewer={p.viewer}
      flash={p.flash}
      paused={p.paused}
      actions={p.canWrite && (any || filtered || removed) && (
        <a class="button primary" href="/marketplace">
          Deploy an app
        </a>
      )}
    >
      {(filtered || any || removed) && (
        <ListFilters
          action="/deployments"
          noun="deployments"
          choices={[
            { name: "status", label: "Status", options: deploymentStatuses.map((s) => ({ value: s, label: s })), value: p.filters.status },
            { name: "app", label: "App", options: p.appOptions, value: p.filters.app },
          ]}
          search={{ label: "Name contains", value: p.filters.q }}
          errors={p.errors}
          active={filtered}
        />
      )}
      {p.list && any ? (
        <DeploymentsTable {...p.list} now={p.now} />
      ) : p.errors ? null : filtered ? (
        <>
          <EmptyState title="No deployments match these filters" action={<a href="/deployments">Clear filters</a>}>
            Change or clear the filters to see more deployments.
          </EmptyState>
          {removed}
        </>
      ) : removed ? (
        <>
          <EmptyState title="No apps are deployed now" action={openMarketplace}>
            Every deployment here was removed. Pick an app in the marketplace to deploy one onto one of your nodes.
          </EmptyState>
          {removed}
        </>
      ) : (
        <EmptyState title="No apps deployed yet" action={openMarketplace}>
          Pick an app in the marketplace and deploy it onto one of your nodes: Hoist runs it as its own Pulumi stack, shows each step live, and checks that it answers.
        </EmptyState>
      )}
    </AppsPage>
  );
};

/** The node card's list of what runs on the node, with the way to deploy more there. */
export const NodeDeployments = (p: { nodeId: string; deployments: DeploymentView[]; canWrite: boolean; canHost: boolean }) => (
  <div class="node-apps" id="node-apps">
    <div class="server-title">
      <h4>Apps on this node ({p.deployments.length})</h4>
      {p.canWrite && p.canHost && (
        <a class="button small" href={`/marketplace?nodeId=${p.nodeId}`}>
          Deploy an app here
        </a>
      )}
    </div>
    {p.deployments.length === 0 ? (
      <p class="muted small">No app is deployed on this node yet.</p>
    ) : (
      <ul class="node-app-list">
        {p.deployments.map((d) => (
          <li>
            <span aria-hidden="true">{d.app.icon}</span> <a href={`/deployments/${d.id}`}>{d.name}</a> <span class="muted small">{d.app.name}</span>{" "}
            <StatusBadge status={d.status} busy={d.busy} /> {d.url && <AppUrl url={d.url} />}
          </li>
        ))}
      </ul>
    )}
  </div>
);
