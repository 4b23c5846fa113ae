// Change a server that exists: another size (priced against the current one from the live
// catalog), another image (a rebuild, which replaces the server) or other firewall ports. Sending
// it only proposes the change: the preview comes next, and nothing changes before it is applied.
import type { Child } from "hono/jsx";
import type { Catalog, Size } from "../stacks/cloud.ts";
import { CsrfInput, Field, FormErrors } from "./components.tsx";
import { TabbedPage } from "./nodes.tsx";
import { money, type Base, type ServerView } from "./servers.tsx";

export interface ServerChangeValues {
  size?: string;
  image?: string;
  firewallPorts?: string;
}

export interface ServerChangeFormProps {
  server: ServerView;
  firewallPorts: number[];
  /** The live catalog, or why it could not be had (then only the firewall can change). */
  catalog: { catalog: Catalog } | { error: string };
  values: ServerChangeValues;
  errors: Record<string, string>;
  /** The node runs deployments: a rebuild is refused while it does. */
  deployments: string[];
  csrf: string;
}

const specs = (s: Size) => `${s.cpus} vCPU · ${s.memoryGb} GB RAM · ${s.diskGb} GB disk`;

function sizeLabel(s: Size, p: ServerChangeFormProps, catalog: Catalog): string {
  const price = s.prices[p.server.region]?.monthly;
  const now = catalog.sizes.find((x) => x.id === p.server.size)?.prices[p.server.region]?.monthly;
  const diff = price !== undefined && now !== undefined && s.id !== p.server.size ? Math.round((price - now) * 100) / 100 : undefined;
  const delta = diff === undefined || diff === 0 ? "" : ` (${diff > 0 ? "+" : "−"}${money(Math.abs(diff), catalog.currency)})`;
  return `${s.id}${s.id === p.server.size ? " (current)" : ""} · ${specs(s)} · ${price === undefined ? "price unknown" : `${money(price, catalog.currency)}/mo`}${delta}`;
}

const Choice = (p: { name: string; label: string; error?: string; help: string; children: Child }) => (
  <div class={`field${p.error ? " has-error" : ""}`}>
    <label for={`f-${p.name}`}>{p.label}</label>
    <select id={`f-${p.name}`} name={p.name} aria-invalid={p.error ? "true" : undefined} aria-describedby={`f-${p.name}-help${p.error ? ` f-${p.name}-error` : ""}`}>
      {p.children}
    </select>
    <small id={`f-${p.name}-help`} class="help">
      {p.help}
    </small>
    {p.error && (
      <small id={`f-${p.name}-error`} class="error" role="alert">
        {p.error}
      </small>
    )}
  </div>
);

export const ServerChangeForm = (p: ServerChangeFormProps) => {
  const base = `/nodes/cloud/${p.server.id}`;
  const size = p.values.size ?? p.server.size;
  const image = p.values.image ?? p.server.image;
  const catalog = "catalog" in p.catalog ? p.catalog.catalog : undefined;
  return (
    <form method="post" action={`${base}/change`} hx-boost="true" hx-disabled-elt="find button[type=submit]">
      <CsrfInput token={p.csrf} />
      <FormErrors errors={p.errors} known={["size", "image", "firewallPorts"]} />
      {!catalog ? (
        <p class="flash flash-error" role="alert">
          {"error" in p.catalog && p.catalog.error} The size and image cannot be changed until the provider answers; <a href={`${base}/change`}>try again</a>. The firewall ports can.
        </p>
      ) : (
        <>
          <Choice name="size" label="Size" error={p.errors.size} help={`Offered in ${p.server.region}, with the monthly price and its difference from now. A resize may restart the server.`}>
            {catalog.sizes
              .filter((s) => s.prices[p.server.region] || s.id === p.server.size)
              .map((s) => (
                <option value={s.id} selected={s.id === size}>
                  {sizeLabel(s, p, catalog)}
                </option>
              ))}
          </Choice>
          <Choice
            name="image"
            label="Image"
            error={p.errors.image}
            help={
              p.deployments.length
                ? `A rebuild replaces the server; it is refused while its node runs ${p.deployments.join(", ")}.`
                : "Another image rebuilds the server: it is replaced, and everything stored on it is lost."
            }
          >
            {catalog.images.map((i) => (
              <option value={i.id} selected={i.id === image}>
                {i.label}
                {i.id === p.server.image ? " (current)" : ""}
              </option>
            ))}
          </Choice>
        </>
      )}
      <Field
        name="firewallPorts"
        label="Firewall: inbound TCP ports"
        value={p.values.firewallPorts ?? p.firewallPorts.join(", ")}
        error={p.errors.firewallPorts}
        help="Separated by commas. 22 stays open: Hoist reaches the node over SSH."
        autocomplete="off"
      />
      <div class="form-actions">
        <button type="submit" class="primary">
          <span class="when-idle">Preview the change</span>
          <span class="when-busy">Proposing…</span>
        </button>
        <a href={base}>Cancel</a>
      </div>
    </form>
  );
};

export const ServerChangePage = (p: Base & ServerChangeFormProps) => (
  <TabbedPage title={`Change ${p.server.name}`} tab="cloud" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/nodes/cloud">Cloud servers</a> / <a href={`/nodes/cloud/${p.server.id}`}>{p.server.name}</a> / <span aria-current="page">Change</span>
    </nav>
    <div class="card">
      <h2>Change {p.server.name}</h2>
      <p class="muted">
        Now: {p.server.size} · {p.server.image} · ports {p.firewallPorts.join(", ")}. You see the engine's preview, and the price before and after, before anything changes.
      </p>
      <ServerChangeForm {...p} />
    </div>
  </TabbedPage>
);

/** The whole page around a change of this server (the body is views/change-page.tsx's). */
export const ServerChangeShell = (p: Base & { server: ServerView; children: Child }) => (
  <TabbedPage title={`Change ${p.server.name}`} tab="cloud" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/nodes/cloud">Cloud servers</a> / <a href={`/nodes/cloud/${p.server.id}`}>{p.server.name}</a> / <span aria-current="page">Change</span>
    </nav>
    {p.children}
  </TabbedPage>
);
