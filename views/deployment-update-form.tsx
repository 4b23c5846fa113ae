// Update a running deployment: another image tag and other settings. Sending the form only
// proposes the change; the engine's preview comes next, and nothing changes before it is applied.
import type { Child } from "hono/jsx";
import type { AppEntry } from "../stacks/app-catalog.ts";
import { AppsPage } from "./apps.tsx";
import { CsrfInput, Field, FormErrors } from "./components.tsx";
import { EnvField } from "./deploy-form.tsx";
import type { DeploymentView } from "./deployments.tsx";
import type { Base } from "./servers.tsx";

export interface DeploymentUpdateValues {
  tag?: string;
  /** By variable name; never a secret's. */
  env: Record<string, string>;
}

export interface DeploymentUpdateProps {
  deployment: DeploymentView;
  /** The app's catalog entry: its settings and the tag it offers now. */
  entry: AppEntry;
  /** The tag running now. */
  tag: string;
  values: DeploymentUpdateValues;
  errors: Record<string, string>;
  /** The form was sent and refused: a secret typed in must be typed again. */
  refused: boolean;
  csrf: string;
}

const base = (d: DeploymentView) => `/deployments/${d.id}`;

export const DeploymentUpdateForm = (p: DeploymentUpdateProps) => {
  const settings = p.entry.env.filter((e) => !e.fixed);
  const current = new Map(p.deployment.settings.map((s) => [s.name, s.value]));
  const known = ["tag", "body", ...settings.map((e) => `env.${e.name}`)];
  const focus = known.find((k) => p.errors[k]) ?? "tag";
  return (
    <form method="post" action={`${base(p.deployment)}/update`} hx-boost="true" hx-disabled-elt="find button[type=submit]">
      <CsrfInput token={p.csrf} />
      <FormErrors errors={p.errors} known={known} />
      {p.errors.body && (
        <p class="flash flash-error" role="alert">
          This update {p.errors.body}.
        </p>
      )}
      <Field
        name="tag"
        label={`Image tag of ${p.entry.image}`}
        value={p.values.tag ?? p.tag}
        error={p.errors.tag}
        help={`Running ${p.tag} now${p.entry.tag !== p.tag ? `; the marketplace offers ${p.entry.tag}` : ""}. A new tag replaces the container; its volumes stay.`}
        required
        autofocus={focus === "tag"}
        autocomplete="off"
        maxlength={128}
      />
      {settings.length > 0 && (
        <fieldset class="deploy-group">
          <legend>Settings</legend>
          {settings.map((e) => (
            <EnvField e={e} value={p.values.env[e.name] ?? current.get(e.name)} error={p.errors[`env.${e.name}`]} retyped={false} autofocus={focus === `env.${e.name}`} keep />
          ))}
        </fieldset>
      )}
      <div class="form-actions">
        <button type="submit" class="primary">
          <span class="when-idle">Preview the update</span>
          <span class="when-busy">Proposing…</span>
        </button>
        <a href={base(p.deployment)}>Cancel</a>
      </div>
    </form>
  );
};

/** The whole page around an update of this deployment: its form, or a change's body. */
export const DeploymentUpdateShell = (p: Base & { deployment: DeploymentView; children: Child }) => (
  <AppsPage title={`Update ${p.deployment.name}`} tab="deployments" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/deployments">Deployments</a> / <a href={base(p.deployment)}>{p.deployment.name}</a> / <span aria-current="page">Update</span>
    </nav>
    {p.children}
  </AppsPage>
);

export const DeploymentUpdatePage = (p: Base & DeploymentUpdateProps) => (
  <DeploymentUpdateShell {...p}>
    <div class="card deploy-card">
      <h2>Update {p.deployment.name}</h2>
      <p class="muted">
        Now: <code>{p.deployment.image}</code> on {p.deployment.node?.name ?? "no node"}. You see the engine's preview of the update before anything changes
        {p.refused ? "; a secret you typed must be typed again." : "."}
      </p>
      <DeploymentUpdateForm {...p} />
    </div>
  </DeploymentUpdateShell>
);
