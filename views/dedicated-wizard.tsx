// The dedicated node wizard (/nodes/dedicated/new): one form worked out again on each change
// (htmx GETs it and swaps #wizard, the choices in the address so that a reload shows the same;
// without JavaScript "Update the plan" posts it and is sent to that address), and "Start
// provisioning" posting it to /nodes/dedicated. Everything shown is given; nothing is queried here.
import { CsrfInput, EmptyState, FormErrors, Select } from "./components.tsx";
import { TabbedPage } from "./nodes.tsx";
import { money, type Base } from "./servers.tsx";

export interface WizardDeployment {
  id: string;
  name: string;
  app: string;
  node: string;
  stateful: boolean;
  chosen: boolean;
  /** e.g. "0.12 CPU · 48 MB", or why it could not be measured. */
  measured?: string;
  missing?: string;
}

export interface WizardSize {
  id: string;
  label: string;
  price?: number;
  fit: "recommended-fit" | "tight" | "undersized";
}

export interface WizardView {
  deployments: WizardDeployment[];
  later: string[];
  credentials: { id: string; label: string }[];
  credentialId?: string;
  catalogError?: string;
  regions: { id: string; label: string }[];
  region?: string;
  sizes: WizardSize[];
  size?: string;
  images: { id: string; label: string }[];
  image?: string;
  name: string;
  requirement: { measured: string; declared: string; required: string };
  recommended?: { id: string; label: string; price?: number };
  currency?: string;
  fit?: WizardSize["fit"];
  cost?: { monthly: number; now: number | null; difference: number | null; ifEmptiedDestroyed: number | null };
  headroom?: { after: { cpuPercent: number; memoryPercent: number }; sources: { name: string; now?: string; after?: string; emptied: boolean }[] };
  phases?: { now: { id: string; name: string }[]; later: { id: string; name: string }[]; href: string };
  undersizeMessage?: string;
  acknowledged: boolean;
}

const fitWords = { "recommended-fit": "room for 1.5× the measured use", tight: "fits, with less headroom than recommended", undersized: "below the measured use" } as const;

const Plan = (p: { w: WizardView; errors: Record<string, string> }) => {
  const w = p.w;
  const cur = w.currency;
  const signed = (n: number) => `${n >= 0 ? "+" : "−"}${money(Math.abs(n), cur)}/month`;
  return (
    <section class="card" id="plan" aria-label="The plan">
      <h3>Measured and recommended</h3>
      <dl class="facts">
        <dt>Measured use</dt>
        <dd>{w.requirement.measured}</dd>
        <dt>Apps' minimums</dt>
        <dd>{w.requirement.declared}</dd>
        <dt>Needed (rule)</dt>
        <dd>{w.requirement.required}</dd>
        <dt>Recommended</dt>
        <dd id="recommended">{w.recommended ? `${w.recommended.label}${w.recommended.price !== undefined ? ` — ${money(w.recommended.price, cur)}/month` : ""}` : w.region ? "no size in this location meets the rule" : "choose a credential and a location"}</dd>
        {w.cost && (
          <>
            <dt>Monthly cost</dt>
            <dd id="cost">
              {money(w.cost.monthly, cur)}/month for the new node
              {w.cost.now !== null && (
                <>
                  {" "}· now {money(w.cost.now, cur)}/month for the shared nodes they run on · difference <strong>{signed(w.cost.difference ?? 0)}</strong>
                </>
              )}
              {w.cost.ifEmptiedDestroyed !== null && <div class="muted small">If you destroy the shared nodes left empty after the move: {signed(w.cost.ifEmptiedDestroyed)}.</div>}
            </dd>
          </>
        )}
        {w.headroom && (
          <>
            <dt>Headroom</dt>
            <dd id="headroom">
              On the new node after the move: CPU {w.headroom.after.cpuPercent}% used, memory {w.headroom.after.memoryPercent}% used.
              {w.headroom.sources.map((s) => (
                <div class="small">
                  {s.name}: now {s.now ?? "not measured"} → after {s.after ?? "not measured"}
                  {s.emptied && " (no apps left)"}
                </div>
              ))}
            </dd>
          </>
        )}
      </dl>
      {w.fit === "undersized" && (
        <div class="flash flash-warn" role="alert" id="undersize">
          <p>
            <strong>Undersized:</strong> {w.undersizeMessage}
          </p>
          {w.phases && (
            <p>
              Or move in phases: {w.phases.now.map((d) => d.name).join(", ")} now, {w.phases.later.map((d) => d.name).join(", ")} later.{" "}
              <a href={w.phases.href}>Move in phases</a>
            </p>
          )}
          <label class={p.errors.acknowledgeUndersize ? "has-error" : undefined}>
            <input type="checkbox" name="acknowledgeUndersize" value="on" checked={w.acknowledged} aria-describedby={p.errors.acknowledgeUndersize ? "f-acknowledgeUndersize-error" : undefined} /> I know this size is below what
            these deployments use, and want it anyway
          </label>
          {p.errors.acknowledgeUndersize && (
            <small id="f-acknowledgeUndersize-error" class="error" role="alert">
              {p.errors.acknowledgeUndersize}
            </small>
          )}
        </div>
      )}
    </section>
  );
};

export const WizardForm = (p: { w: WizardView; errors: Record<string, string>; csrf: string; canWrite: boolean }) => {
  const w = p.w;
  const chosen = w.deployments.filter((d) => d.chosen);
  const stateful = chosen.filter((d) => d.stateful);
  // The CSRF token travels in htmx's header, never in an address.
  const swap = { "hx-get": "/nodes/dedicated/new", "hx-trigger": "change", "hx-params": "not _csrf", "hx-target": "#wizard", "hx-select": "#wizard", "hx-swap": "outerHTML", "hx-push-url": "true", "hx-indicator": "#plan-busy" };
  return (
    <form id="wizard" method="post" action="/nodes/dedicated/new" {...swap} class="wizard">
      <CsrfInput token={p.csrf} />
      <FormErrors errors={p.errors} known={["deployments", "credentialId", "region", "size", "image", "name", "acknowledgeUndersize"]} />
      {w.later.map((id) => (
        <input type="hidden" name="later" value={id} />
      ))}
      <fieldset class={`card${p.errors.deployments ? " has-error" : ""}`}>
        <legend>1. The deployments to move</legend>
        {w.deployments.map((d) => (
          <div class="check-row">
            <label>
              <input type="checkbox" name="deployments" value={d.id} checked={d.chosen} /> <strong>{d.name}</strong> <span class="muted">({d.app} on {d.node})</span>
              {d.stateful && <span class="badge badge-warn">stateful</span>}
            </label>
            {d.chosen && <span class="small muted"> · {d.measured ?? `not measured: ${d.missing}`}</span>}
          </div>
        ))}
        {p.errors.deployments && (
          <small class="error" role="alert">
            {p.errors.deployments}
          </small>
        )}
        {w.later.length > 0 && <p class="muted small">Left for a later phase: {w.deployments.filter((d) => w.later.includes(d.id)).map((d) => d.name).join(", ")}.</p>}
        {stateful.length > 0 && (
          <p class="flash flash-info" id="stateful">
            Stateful (their volumes are copied while they are stopped, a short downtime): {stateful.map((d) => d.name).join(", ")}.
          </p>
        )}
      </fieldset>
      <fieldset class="card">
        <legend>2. Where and how big</legend>
        {w.credentials.length === 0 && (
          <p class="flash flash-info">
            No credential can create servers yet: <a href="/nodes/credentials">add one</a>, then come back.
          </p>
        )}
        <Select name="credentialId" label="Credential" value={w.credentialId} error={p.errors.credentialId ?? w.catalogError} options={[{ value: "", label: "Choose a credential…" }, ...w.credentials.map((c) => ({ value: c.id, label: c.label }))]} />
        {w.regions.length > 0 && <Select name="region" label="Location" value={w.region} error={p.errors.region} options={w.regions.map((r) => ({ value: r.id, label: r.label }))} />}
        {w.sizes.length > 0 && (
          <Select
            name="size"
            label="Size"
            value={w.size}
            error={p.errors.size}
            options={w.sizes.map((s) => ({ value: s.id, label: `${s.label}${s.price !== undefined ? ` — ${money(s.price, w.currency)}/month` : ""} (${fitWords[s.fit]})${s.id === w.recommended?.id ? " ★ recommended" : ""}` }))}
          />
        )}
        {w.images.length > 0 && <Select name="image" label="Image" value={w.image} error={p.errors.image} options={w.images.map((i) => ({ value: i.id, label: i.label }))} />}
        <div class={`field${p.errors.name ? " has-error" : ""}`}>
          <label for="f-name">Server name</label>
          <input id="f-name" name="name" value={w.name} aria-invalid={p.errors.name ? "true" : undefined} />
          {p.errors.name && (
            <small class="error" role="alert">
              {p.errors.name}
            </small>
          )}
        </div>
      </fieldset>
      {chosen.length > 0 && <Plan w={w} errors={p.errors} />}
      <div class="form-actions">
        <button type="submit">Update the plan</button>
        {p.canWrite && (
          <button type="submit" class="primary" formaction="/nodes/dedicated" disabled={!chosen.length || !w.size} id="start">
            Start provisioning
          </button>
        )}
        {/* The plan may ask the provider for its catalog and the nodes for their use: it takes a moment. */}
        <span id="plan-busy" class="htmx-indicator muted" role="status">
          Working out the plan…
        </span>
      </div>
    </form>
  );
};

export const WizardPage = (p: Base & { w: WizardView; errors: Record<string, string> }) => (
  <TabbedPage title="A dedicated node" tab="nodes" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/nodes">Nodes</a> / <span aria-current="page">A dedicated node</span>
    </nav>
    <p class="muted">Move apps that outgrew a shared node to a node of their own: choose them, and Hoist sizes the node from what they were measured using.</p>
    {p.w.deployments.length === 0 ? (
      <EmptyState title="No deployments on shared nodes">
        Deploy an app from the <a href="/marketplace">Marketplace</a> first; the apps on your shared nodes can then be moved to a dedicated one.
      </EmptyState>
    ) : (
      <WizardForm w={p.w} errors={p.errors} csrf={p.csrf} canWrite={p.canWrite} />
    )}
  </TabbedPage>
);
