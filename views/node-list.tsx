// The Nodes tab: the nodes registered from the stacks' outputs, a page at a time with filters,
// each with the result of its last SSH check. The table asks for itself again now and then, as
// the engine re-checks nodes.
import { nodeStates, type NodePool, type NodeState } from "../state/statuses.ts";
import { CsrfInput, EmptyState, ListTable, When } from "./components.tsx";
import { ListFilters, Pager, type PagerView } from "./lists.tsx";
import { TabbedPage } from "./nodes.tsx";
import { DriftBadge, type DriftView } from "./drift-badge.tsx";
import { NodeStateBadge, type Base, type Facts } from "./servers.tsx";
import { UsageCell, type Resource, type Usage } from "./usage-chart.tsx";

export interface NodeView {
  id: string;
  name: string;
  serverId: string | null;
  address: string;
  sshPort: number;
  sshUser: string;
  cloudLabel: string | null;
  region: string | null;
  size: string | null;
  facts: Facts | null;
  state: NodeState;
  stateReason: string | null;
  checkedAt: Date | null;
  /** Its server is ready or stopped, so a check means something. */
  checkable: boolean;
  owner?: string;
  /** Apps deployed on it (not yet removed). */
  deployments: number;
  /** Its server's drift, and how many of its apps have drifted. */
  drift?: DriftView;
  driftedApps?: number;
  pool: NodePool;
  /** What the monitor measured last, and what of it is near the node's capacity (shared nodes only). */
  usage?: Usage;
  near: Resource[];
}

const facts = (f: Facts | null) => (f ? [f.os, f.cpus && `${f.cpus} CPU`, f.memoryMb && `${(f.memoryMb / 1024).toFixed(1)} GB`, f.arch].filter(Boolean).join(" · ") : "");

export const NodeRow = (p: { n: NodeView; now: Date; canWrite: boolean; csrf: string; /** Where a check without JavaScript returns to. */ back?: string }) => (
  <tr id={`node-${p.n.id}`} class={p.n.near.length ? "node-near" : undefined}>
    <td>
      {p.n.serverId ? (
        <a href={`/nodes/cloud/${p.n.serverId}`}>
          <strong>{p.n.name}</strong>
        </a>
      ) : (
        <strong>{p.n.name}</strong>
      )}
      {facts(p.n.facts) && <div class="muted small">{facts(p.n.facts)}</div>}
      {p.n.owner && <div class="muted small">{p.n.owner}</div>}
    </td>
    <td>
      <code>{p.n.address}</code>
      <div class="muted small">
        SSH as {p.n.sshUser}, port {p.n.sshPort}
      </div>
    </td>
    <td>{p.n.cloudLabel ?? "—"}</td>
    <td>{p.n.region ?? "—"}</td>
    <td>{p.n.size ?? "—"}</td>
    <td>{p.n.pool === "dedicated" ? <span class="badge badge-info">dedicated</span> : "shared"}</td>
    <td>
      <UsageCell latest={p.n.usage} near={p.n.near} />
    </td>
    <td>
      <NodeStateBadge state={p.n.state} reason={p.n.stateReason} /> <DriftBadge drift={p.n.drift} />
      {!!p.n.driftedApps && <a class="badge badge-warn drift-badge" href="/drift">{p.n.driftedApps} app(s) drifted</a>}
      {p.n.stateReason && <div class="reason small">{p.n.stateReason}</div>}
    </td>
    <td>
      <When at={p.n.checkedAt} now={p.now} />
    </td>
    <td class="num">
      {p.n.serverId && p.n.deployments > 0 ? <a href={`/nodes/cloud/${p.n.serverId}#node-apps`} aria-label={`${p.n.deployments} app${p.n.deployments === 1 ? "" : "s"} on ${p.n.name}`}>{p.n.deployments}</a> : p.n.deployments}
    </td>
    <td class="row-actions">
      {p.canWrite && p.n.checkable && (
        <form method="post" action={`/nodes/${p.n.id}/check`} hx-post={`/nodes/${p.n.id}/check`} hx-target={`#node-${p.n.id}`} hx-swap="outerHTML" hx-disabled-elt="find button">
          <CsrfInput token={p.csrf} />
          {p.back && <input type="hidden" name="back" value={p.back} />}
          {/* The id lets htmx give focus back when the table refreshes. */}
          <button type="submit" class="small" id={`check-${p.n.id}`}>
            <span class="when-idle">Check now</span>
            <span class="when-busy">Checking…</span>
          </button>
        </form>
      )}
    </td>
  </tr>
);

export interface NodeListView {
  nodes: NodeView[];
  pager: PagerView;
  /** This page of the table, for the refresh. */
  refresh: string;
  /** This page, for a check to come back to. */
  back: string;
}

export const NodesTable = (p: NodeListView & { now: Date; canWrite: boolean; csrf: string }) => (
  <div id="nodes-table" hx-get={p.refresh} hx-trigger="every 20s" hx-swap="outerHTML">
    <ListTable columns={["Node", "Address", "Cloud", "Region", "Size", "Pool", "Use now", "State", "Last checked", { label: "Apps", numeric: true }]} actions>
      {p.nodes.map((n) => (
        <NodeRow n={n} now={p.now} canWrite={p.canWrite} csrf={p.csrf} back={p.back} />
      ))}
    </ListTable>
    <Pager pager={p.pager} noun={["node", "nodes"]} />
  </div>
);

export interface NodeFilterValues {
  state?: string;
  cloud?: string;
  q?: string;
}

export const NodesPage = (p: Base & { list?: NodeListView; filters: NodeFilterValues; errors?: Record<string, string>; cloudOptions: { value: string; label: string }[] }) => {
  const filtered = Object.values(p.filters).some(Boolean) || !!p.errors;
  return (
    <TabbedPage
      title="Nodes"
      tab="nodes"
      csrf={p.csrf}
      viewer={p.viewer}
      flash={p.flash}
      paused={p.paused}
      actions={p.canWrite && p.list?.nodes.some((n) => n.pool === "shared" && n.deployments > 0) && (
        <a class="button" href="/nodes/dedicated/new" id="new-dedicated">
          Move apps to a dedicated node…
        </a>
      )}
    >
      {(filtered || (p.list?.pager.total ?? 0) > 0) && (
        <ListFilters
          action="/nodes"
          noun="nodes"
          choices={[
            { name: "state", label: "State", options: nodeStates.map((s) => ({ value: s, label: s })), value: p.filters.state },
            { name: "cloud", label: "Cloud", options: p.cloudOptions, value: p.filters.cloud },
          ]}
          search={{ label: "Name or address contains", value: p.filters.q }}
          errors={p.errors}
          active={filtered}
        />
      )}
      {p.list && p.list.pager.total > 0 ? (
        <NodesTable {...p.list} now={p.now} canWrite={p.canWrite} csrf={p.csrf} />
      ) : p.errors ? null : filtered ? (
        <EmptyState title="No nodes match these filters" action={<a href="/nodes">Clear filters</a>}>
          Change or clear the filters to see more nodes.
        </EmptyState>
      ) : (
        <EmptyState
          title="No nodes yet"
          action={p.canWrite && (
            <a class="button primary" href="/nodes/cloud/new">
              Create a cloud server
            </a>
          )}
        >
          A node is registered automatically when a cloud server is ready: Hoist reads its address, SSH user and host key from the server's stack and checks it over SSH.
        </EmptyState>
      )}
    </TabbedPage>
  );
};
