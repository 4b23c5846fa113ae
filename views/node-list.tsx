// The Nodes tab: every node registered from a stack's outputs, with the result of its last SSH
// check. The table asks for itself again now and then, as the engine re-checks nodes.
import type { NodePool, NodeState } from "../state/statuses.ts";
import { CsrfInput, EmptyState, ListTable, When } from "./components.tsx";
import { TabbedPage } from "./nodes.tsx";
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
  pool: NodePool;
  /** What the monitor measured last, and what of it is near the node's capacity (shared nodes only). */
  usage?: Usage;
  near: Resource[];
}

const facts = (f: Facts | null) => (f ? [f.os, f.cpus && `${f.cpus} CPU`, f.memoryMb && `${(f.memoryMb / 1024).toFixed(1)} GB`, f.arch].filter(Boolean).join(" · ") : "");

export const NodeRow = (p: { n: NodeView; now: Date; canWrite: boolean; csrf: string }) => (
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
      <NodeStateBadge state={p.n.state} reason={p.n.stateReason} />
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

export const NodesTable = (p: { nodes: NodeView[]; now: Date; canWrite: boolean; csrf: string }) => (
  <div id="nodes-table" hx-get="/nodes/table" hx-trigger="every 20s" hx-swap="outerHTML">
    <ListTable columns={["Node", "Address", "Cloud", "Region", "Size", "Pool", "Use now", "State", "Last checked", { label: "Apps", numeric: true }]} actions>
      {p.nodes.map((n) => (
        <NodeRow n={n} now={p.now} canWrite={p.canWrite} csrf={p.csrf} />
      ))}
    </ListTable>
  </div>
);

export const NodesPage = (p: Base & { nodes: NodeView[] }) => (
  <TabbedPage
    title="Nodes"
    tab="nodes"
    csrf={p.csrf}
    viewer={p.viewer}
    flash={p.flash}
    paused={p.paused}
    actions={p.canWrite && p.nodes.some((n) => n.pool === "shared" && n.deployments > 0) && (
      <a class="button" href="/nodes/dedicated/new" id="new-dedicated">
        Move apps to a dedicated node…
      </a>
    )}
  >
    {p.nodes.length === 0 ? (
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
    ) : (
      <NodesTable nodes={p.nodes} now={p.now} canWrite={p.canWrite} csrf={p.csrf} />
    )}
  </TabbedPage>
);
