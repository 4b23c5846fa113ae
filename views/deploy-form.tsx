// Deploy an app: its name, the node (every node of the operator's, those that cannot take apps
// shown disabled with why, a warning when the chosen one is short of what the app needs), one
// input per port and per setting. A plain form that works without JavaScript; htmx refreshes
// the node's warning as the choice changes. Secret values are never put back into the form.
import type { AppEntry, AppEnv } from "../stacks/app-catalog.ts";
import { CsrfInput, EmptyState, Field, FormErrors } from "./components.tsx";
import { AppsPage } from "./apps.tsx";
import { needs } from "./marketplace.tsx";
import type { Base } from "./servers.tsx";

/** A node as the form offers it, with what it has left for apps. */
export interface NodeChoice {
  id: string;
  name: string;
  address: string;
  cpus: number;
  memoryMb: number;
  deployments: number;
  /** Why it cannot take apps now; it is offered disabled. */
  unavailable?: string;
}

export interface DeployValues {
  name?: string;
  nodeId?: string;
  /** By port name. */
  ports: Record<string, string>;
  /** By variable name; never a secret's. */
  env: Record<string, string>;
}

const mb = (n: number) => (Math.abs(n) >= 1024 ? `${(n / 1024).toFixed(1)} GB` : `${n} MB`);
const free = (n: NodeChoice) => `${n.cpus} vCPU · ${mb(n.memoryMb)} free`;

/** Whether the node has less left than the app needs at least. */
export const shortOf = (n: NodeChoice, min: AppEntry["min"]) => n.cpus < min.cpus || n.memoryMb < min.memoryMb;

/** Under the node select (`#node-room`): what the chosen node has left, and a warning when it is short. */
export const NodeRoom = (p: { node?: NodeChoice; app: Pick<AppEntry, "name" | "min"> }) => (
  <div id="node-room" class="node-room" aria-live="polite">
    {!p.node ? null : p.node.unavailable ? (
      <p class="flash flash-error small" role="alert">
        {p.node.name} cannot take apps now: {p.node.unavailable}.
      </p>
    ) : shortOf(p.node, p.app.min) ? (
      <p class="flash flash-warn small" role="alert">
        {p.node.name} has {free(p.node)} for apps; {p.app.name} needs at least {needs(p.app.min)}. It can still be deployed, but it may run slowly or be stopped
        by the node when memory runs out.
      </p>
    ) : (
      <p class="muted small">
        {p.node.name} ({p.node.address}) has {free(p.node)}
        {p.node.deployments > 0 && `, beside ${p.node.deployments} app${p.node.deployments === 1 ? "" : "s"} already there`}; {p.app.name} needs {needs(p.app.min)}.
      </p>
    )}
  </div>
);

/** A default with `{address}` or `{port:…}` is filled in for the chosen node: shown, not prefilled. */
const hasPlaceholder = (v?: string) => !!v && /\{[a-z:0-9-]+\}/.test(v);

function envHelp(e: AppEnv, defaultShown: boolean, keep = false): string {
  const parts = [e.help];
  if (e.secret) parts.push(keep ? "Leave it empty to keep the current value, which is never shown." : "Never shown again: Hoist keeps it sealed and passes it to the container only.");
  if (defaultShown && e.default) parts.push(`Empty means the default, ${e.default}, with the node's address and ports filled in.`);
  if (e.message) parts.push(`It ${e.message}.`);
  return parts.filter(Boolean).join(" ");
}

/** One setting's input. `keep`: the app has a value already (an update), so an empty secret keeps it. */
export const EnvField = (p: { e: AppEnv; value?: string; error?: string; retyped: boolean; autofocus: boolean; keep?: boolean }) => {
  const { e } = p;
  const name = `env.${e.name}`;
  const label = `${e.label} (${e.name})${e.required ? " — required" : ""}`;
  if (e.secret) {
    return (
      <Field
        name={name}
        label={label}
        type="password"
        autocomplete="new-password"
        required={e.required && !p.keep}
        error={p.error ?? (p.retyped ? "Enter it again: Hoist never sends a secret back to the browser." : undefined)}
        help={envHelp(e, false, p.keep)}
        autofocus={p.autofocus}
        maxlength={500}
      />
    );
  }
  const shown = hasPlaceholder(e.default);
  return <Field name={name} label={label} value={p.value ?? (shown ? "" : e.default)} placeholder={shown ? e.default : undefined} required={e.required} error={p.error} help={envHelp(e, shown)} autocomplete="off" autofocus={p.autofocus} maxlength={500} />;
};

export interface DeployFormProps {
  app: AppEntry;
  nodes: NodeChoice[];
  values: DeployValues;
  errors: Record<string, string>;
  /** The form was sent and refused: secret fields must be typed again. */
  refused: boolean;
  csrf: string;
}

const known = (app: AppEntry) => ["name", "nodeId", ...app.ports.map((p) => `ports.${p.name}`), ...app.env.map((e) => `env.${e.name}`)];

const NoNodeState = (p: { nodes: NodeChoice[]; app: AppEntry }) => (
  <EmptyState
    title={p.nodes.length === 0 ? "You have no node to deploy onto" : "None of your nodes can take apps now"}
    action={
      <a class="button primary" href="/nodes/cloud/new">
        Create a cloud server
      </a>
    }
  >
    {p.nodes.length === 0
      ? `${p.app.name} runs on one of your nodes. Create a cloud server: once it is ready it is registered as a node with a container runtime, and you can deploy here.`
      : `Apps run on a node that is online and has a container runtime. ${p.nodes.map((n) => `${n.name}: ${n.unavailable}`).join("; ")}. Start or fix one of them (Infrastructure → Nodes), or create a cloud server.`}
  </EmptyState>
);

export const DeployForm = (p: DeployFormProps) => {
  const { app, values, errors } = p;
  const chosen = p.nodes.find((n) => n.id === values.nodeId);
  const settings = app.env.filter((e) => !e.fixed);
  // The focus goes to the first field in error, else to the name.
  const focus = known(app).find((k) => errors[k]) ?? "name";
  return (
    <form id="deploy-form" method="post" action={`/marketplace/${app.id}/deploy`} hx-boost="true" hx-disabled-elt="find button[type=submit]">
      <CsrfInput token={p.csrf} />
      <FormErrors errors={errors} known={known(app)} />
      <Field name="name" label="Name" value={values.name} error={errors.name} help="Unique among your deployments: lower-case letters, digits and hyphens. It names the app's stack and container." required autofocus={focus === "name"} maxlength={40} autocomplete="off" />
      <div class={`field${errors.nodeId ? " has-error" : ""}`}>
        <label for="f-nodeId">Node</label>
        <select
          id="f-nodeId"
          name="nodeId"
          required
          autofocus={focus === "nodeId"}
          aria-invalid={errors.nodeId ? "true" : undefined}
          aria-describedby={[errors.nodeId && "f-nodeId-error", "node-room"].filter(Boolean).join(" ")}
          hx-get={`/marketplace/${app.id}/deploy/room`}
          hx-trigger="change"
          hx-target="#node-room"
          hx-swap="outerHTML"
          hx-include="this"
          hx-sync="this:replace"
        >
          {!chosen && <option value="">Choose a node…</option>}
          {p.nodes.map((n) => (
            <option value={n.id} selected={n.id === values.nodeId} disabled={!!n.unavailable}>
              {n.unavailable ? `${n.name} — unavailable: ${n.unavailable}` : `${n.name} · ${n.address} · ${free(n)}${shortOf(n, app.min) ? " (less than the app needs)" : ""}`}
            </option>
          ))}
        </select>
        {errors.nodeId && (
          <small id="f-nodeId-error" class="error" role="alert">
            {errors.nodeId}
          </small>
        )}
        <NodeRoom node={chosen} app={app} />
      </div>
      <fieldset class="deploy-group">
        <legend>Ports on the node</legend>
        <p class="muted small">Each must be free on the node: not used by another deployment, and nothing else listening there.</p>
        <div class="row">
          {app.ports.map((port) => (
            <Field
              name={`ports.${port.name}`}
              label={`${port.label} port`}
              type="number"
              value={values.ports[port.name] ?? String(port.default)}
              error={errors[`ports.${port.name}`]}
              help={`${port.protocol.toUpperCase()}${app.network === "bridge" ? `, to the container's ${port.container}` : ""}${port.web ? "; the app's web address" : ""}. Default ${port.default}.`}
              required
              autofocus={focus === `ports.${port.name}`}
              autocomplete="off"
            />
          ))}
        </div>
      </fieldset>
      {settings.length > 0 && (
        <fieldset class="deploy-group">
          <legend>Settings</legend>
          {settings.map((e) => (
            <EnvField e={e} value={values.env[e.name]} error={errors[`env.${e.name}`]} retyped={p.refused && e.secret} autofocus={focus === `env.${e.name}`} />
          ))}
        </fieldset>
      )}
      <div class="form-actions">
        <button type="submit" class="primary">
          <span class="when-idle">Deploy {app.name}</span>
          <span class="when-busy">Deploying…</span>
        </button>
        <a href="/marketplace">Cancel</a>
      </div>
    </form>
  );
};

export const DeployPage = (p: Base & DeployFormProps & { formError?: string }) => (
  <AppsPage title={`Deploy ${p.app.name}`} tab="marketplace" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/marketplace">Marketplace</a> / <span aria-current="page">Deploy {p.app.name}</span>
    </nav>
    <div class="card deploy-card">
      <div class="app-card-head">
        <span class="app-icon" aria-hidden="true">
          {p.app.icon}
        </span>
        <div>
          <h2>Deploy {p.app.name}</h2>
          <p class="muted small">
            <code>
              {p.app.image}:{p.app.tag}
            </code>{" "}
            · {p.app.category} · needs at least {needs(p.app.min)}
            {p.app.volumes.length > 0 && ` · keeps its data in ${p.app.volumes.map((v) => v.path).join(", ")}`}
          </p>
        </div>
      </div>
      <p>{p.app.description}</p>
      {p.formError && (
        <div class="flash flash-error" role="alert">
          {p.formError}
        </div>
      )}
      {p.nodes.some((n) => !n.unavailable) ? (
        <DeployForm {...p} />
      ) : (
        <>
          {/* Sent when the node went away meanwhile: say why, beside what to do. */}
          {Object.keys(p.errors).length > 0 && (
            <div class="flash flash-error" role="alert">
              {Object.values(p.errors).map((e) => (
                <div>{e}</div>
              ))}
            </div>
          )}
          <NoNodeState nodes={p.nodes} app={p.app} />
        </>
      )}
    </div>
  </AppsPage>
);
