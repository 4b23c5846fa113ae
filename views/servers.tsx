// The Cloud Servers tab: the list (which refreshes itself while a server is busy) and the
// destroy confirmation. Shared pieces of the server pages live here too.
import { serverStatuses, type DeploymentStatus, type NodeState, type ServerStatus } from "../state/statuses.ts";
import { CsrfInput, EmptyState, FormErrors, ListTable, Select, When, type Tone } from "./components.tsx";
import type { PageProps } from "./layout.tsx";
import { ListFilters, Pager, type PagerView } from "./lists.tsx";
import { TabbedPage } from "./nodes.tsx";
import { DriftBadge, type DriftView } from "./drift-badge.tsx";
import type { ServerGatewayView } from "./server-gateway.tsx";

export interface Facts {
  os?: string;
  cpus?: number;
  memoryMb?: number;
  diskGb?: number;
  arch?: string;
}

export interface ServerNodeView {
  id: string;
  address: string;
  sshPort: number;
  sshUser: string;
  hostKeyFingerprint: string | null;
  facts: Facts | null;
  state: NodeState;
  stateReason: string | null;
  checkedAt: Date | null;
}

export interface ServerView {
  id: string;
  name: string;
  /** Inbound TCP ports its firewall opens. */
  firewallPorts: number[];
  stack: string;
  cloud: string;
  cloudLabel: string;
  region: string;
  size: string;
  image: string;
  status: ServerStatus;
  busy: boolean;
  priceMonthly: string | null;
  currency?: string;
  createdAt: Date;
  owner?: string;
  error?: { reason: string; code: string | null; action: string | null; retryable: boolean | null };
  /** null when the credential it was created with has been deleted. */
  credential: { id: string; name: string } | null;
  node?: ServerNodeView;
  /** Its entry points on the gateway (absent with the gateway off). */
  gateway?: ServerGatewayView;
  drift?: DriftView;
}

/** Credentials the operator may switch a server to (its own was deleted). */
export interface CredentialOption {
  id: string;
  name: string;
}

export type Base = Omit<PageProps, "section" | "children" | "title"> & { now: Date; canWrite: boolean };

const statusTone: Record<ServerStatus | DeploymentStatus, Tone> = {
  pending: "info",
  creating: "info",
  configuring: "info",
  ready: "ok",
  updating: "info",
  stopping: "info",
  stopped: "muted",
  starting: "info",
  failed: "bad",
  destroying: "warn",
  destroyed: "muted",
  deploying: "info",
  running: "ok",
  restarting: "info",
  migrating: "info",
  removing: "warn",
  removed: "muted",
};

/** A server's or a deployment's status. */
export const StatusBadge = (p: { status: ServerStatus | DeploymentStatus; busy?: boolean; id?: string; oob?: boolean }) => (
  <span id={p.id} class={`badge badge-${statusTone[p.status]}${p.busy ? " busy" : ""}`} hx-swap-oob={p.oob ? "true" : undefined}>
    {p.status}
  </span>
);

const nodeTone: Record<NodeState, Tone> = { online: "ok", offline: "bad", unknown: "muted" };

export const NodeStateBadge = (p: { state: NodeState; reason?: string | null }) => (
  <span class={`badge badge-${nodeTone[p.state]}`} title={p.reason ?? undefined}>
    {p.state}
  </span>
);

/** An amount in the provider's currency: "€4.51"; without a currency just the number. */
export function money(amount: number | string, currency: string | undefined, digits = 2): string {
  const n = Number(amount);
  if (!Number.isFinite(n)) return String(amount);
  if (!currency) return n.toFixed(digits);
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
  } catch {
    return `${n.toFixed(digits)} ${currency}`;
  }
}

export const Price = (p: { s: Pick<ServerView, "priceMonthly" | "currency"> }) =>
  p.s.priceMonthly ? <span>{money(p.s.priceMonthly, p.s.currency)}<span class="muted">/mo</span></span> : <span class="muted">—</span>;

/** The list and its page controls; while a server on it is busy it asks for itself again every few seconds. */
export const ServersTable = (p: { servers: ServerView[]; now: Date; pager: PagerView; /** This page of the table, for the refresh. */ refresh: string }) => {
  const busy = p.servers.some((s) => s.busy);
  return (
    <div id="servers-table" hx-get={busy ? p.refresh : undefined} hx-trigger={busy ? "every 3s" : undefined} hx-swap="outerHTML">
      <ListTable columns={["Name", "Status", "Provider", "Location", "Size", "Image", { label: "Monthly", numeric: true }, "Created"]}>
        {p.servers.map((s) => (
          <tr id={`server-${s.id}`}>
            <td>
              <a href={`/nodes/cloud/${s.id}`} id={`open-${s.id}`}>
                <strong>{s.name}</strong>
              </a>
              {s.owner && <div class="muted small">{s.owner}</div>}
            </td>
            <td>
              <StatusBadge status={s.status} busy={s.busy} /> <DriftBadge drift={s.drift} />
              {s.status === "failed" && s.error && <div class="reason small">{s.error.reason}</div>}
            </td>
            <td>{s.cloudLabel}</td>
            <td>{s.region}</td>
            <td>{s.size}</td>
            <td>{s.image}</td>
            <td class="num">
              <Price s={s} />
            </td>
            <td>
              <When at={s.createdAt} now={p.now} />
            </td>
          </tr>
        ))}
      </ListTable>
      <Pager pager={p.pager} noun={["server", "servers"]} />
    </div>
  );
};

export interface ServerFilterValues {
  status?: string;
  cloud?: string;
  q?: string;
}

export interface ServerListProps {
  /** Absent when the filters were refused (then `errors` says why). */
  list?: { servers: ServerView[]; pager: PagerView; refresh: string };
  filters: ServerFilterValues;
  errors?: Record<string, string>;
  /** The clouds a filter can name. */
  cloudOptions: { value: string; label: string }[];
}

const ServerFilters = (p: ServerListProps) => (
  <ListFilters
    action="/nodes/cloud"
    noun="servers"
    choices={[
      { name: "status", label: "Status", options: serverStatuses.map((s) => ({ value: s, label: s })), value: p.filters.status },
      { name: "cloud", label: "Provider", options: p.cloudOptions, value: p.filters.cloud },
    ]}
    search={{ label: "Name contains", value: p.filters.q }}
    errors={p.errors}
    active={Object.values(p.filters).some(Boolean) || !!p.errors}
  />
);

export const CloudServersPage = (p: Base & ServerListProps & { hasCredential: boolean; /** Clouds that can create servers, by label. */ serverClouds: string }) => {
  const filtered = Object.values(p.filters).some(Boolean) || !!p.errors;
  const any = filtered || (p.list?.pager.total ?? 0) > 0;
  return (
    <TabbedPage
      title="Cloud Servers"
      tab="cloud"
      csrf={p.csrf}
      viewer={p.viewer}
      flash={p.flash}
      paused={p.paused}
      actions={p.canWrite && any && (
        <a class="button primary" href="/nodes/cloud/new">
          Create server
        </a>
      )}
    >
      {any && <ServerFilters {...p} />}
      {p.list && p.list.pager.total > 0 ? (
        <ServersTable servers={p.list.servers} now={p.now} pager={p.list.pager} refresh={p.list.refresh} />
      ) : p.errors ? null : filtered ? (
        <EmptyState title="No servers match these filters" action={<a href="/nodes/cloud">Clear filters</a>}>
          Change or clear the filters to see more servers.
        </EmptyState>
      ) : p.hasCredential ? (
        <EmptyState
          title="No cloud servers yet"
          action={p.canWrite && (
            <a class="button primary" href="/nodes/cloud/new">
              Create server
            </a>
          )}
        >
          Create a server with one of your cloud credentials: Hoist provisions it as a Pulumi stack, shows each step live, and registers it as a node when it is ready.
        </EmptyState>
      ) : (
        <EmptyState
          title="No cloud servers yet"
          action={p.canWrite && (
            <a class="button primary" href="/nodes/credentials/new">
              Add a credential
            </a>
          )}
        >
          Hoist creates servers with your cloud account. Add a {p.serverClouds} credential on the Credentials tab first, then come back here to create a server.
        </EmptyState>
      )}
    </TabbedPage>
  );
};

/** Shown when the server's own credential was deleted: the action needs another one. */
export const CredentialChoice = (p: { server: ServerView; options: CredentialOption[]; error?: string }) =>
  p.server.credential ? null : p.options.length === 0 ? (
    <p class="flash flash-error">
      The credential this server was created with was deleted, and you have no other {p.server.cloudLabel} credential.{" "}
      <a href="/nodes/credentials/new">Add one</a> to retry or destroy it.
    </p>
  ) : (
    <Select
      name="credentialId"
      label={`${p.server.cloudLabel} credential to use (the original one was deleted)`}
      error={p.error}
      options={[{ value: "", label: "Choose a credential…" }, ...p.options.map((o) => ({ value: o.id, label: o.name }))]}
    />
  );

export const DestroyServerPage = (p: Base & { server: ServerView; options: CredentialOption[]; runningCreate: boolean; deployments: { name: string; app: string }[]; errors: Record<string, string> }) => (
  <TabbedPage title={`Destroy ${p.server.name}`} tab="cloud" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <div class="card danger-zone">
      <h2>Destroy the server “{p.server.name}”?</h2>
      <p>
        Hoist runs <code>pulumi destroy</code> on the stack <code>{p.server.stack}</code>: the {p.server.cloudLabel} server in {p.server.region}, its firewall and
        its SSH key are deleted at the provider, and its node is removed from Hoist. Everything stored on the server is lost. This cannot be undone.
      </p>
      {p.runningCreate && <p class="flash flash-info">The server is still being set up: that operation is stopped first, then the destroy runs.</p>}
      <FormErrors errors={p.errors} known={["credentialId", "removeDeployments"]} />
      <form method="post" action={`/nodes/cloud/${p.server.id}/destroy`}>
        <CsrfInput token={p.csrf} />
        <CredentialChoice server={p.server} options={p.options} error={p.errors.credentialId} />
        {p.deployments.length > 0 && (
          <fieldset class={`key-choice${p.errors.removeDeployments ? " has-error" : ""}`} aria-describedby={p.errors.removeDeployments ? "f-removeDeployments-error" : undefined}>
            <legend>Its node runs {p.deployments.length} app deployment(s)</legend>
            <ul>
              {p.deployments.map((d) => (
                <li>
                  {d.name} <span class="muted">({d.app})</span>
                </li>
              ))}
            </ul>
            {p.errors.removeDeployments && (
              <small id="f-removeDeployments-error" class="error" role="alert">
                {p.errors.removeDeployments}
              </small>
            )}
            <label class="check">
              <input type="checkbox" name="removeDeployments" value="on" required /> Remove them, and their data, with the server
            </label>
          </fieldset>
        )}
        <div class="form-actions">
          <button type="submit" class="danger">
            Destroy server
          </button>
          <a href={`/nodes/cloud/${p.server.id}`}>Cancel</a>
        </div>
      </form>
    </div>
  </TabbedPage>
);
