// The Credentials tab: list, add, edit, delete. A credential's secret is never given to a view.
import type { CredentialValidity } from "../state/statuses.ts";
import { Badge, CsrfInput, EmptyState, Field, FormErrors, ListTable, Select, When, type Tone } from "./components.tsx";
import type { PageProps } from "./layout.tsx";
import { TabbedPage } from "./nodes.tsx";

export interface CredentialView {
  id: string;
  name: string;
  cloud: string;
  cloudLabel: string;
  validity: CredentialValidity;
  validityReason: string | null;
  checkedAt: Date | null;
  settings: Record<string, string>;
  owner?: string;
}

export interface CloudChoice {
  id: string;
  label: string;
  fields: { key: string; label: string; secret: boolean; help?: string; placeholder?: string }[];
}

type Base = Omit<PageProps, "section" | "children" | "title"> & { now: Date; canWrite: boolean };

/** "a, b and c". */
export const listOf = (items: string[]) => (items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`);

const validityTone: Record<CredentialValidity, Tone> = { valid: "ok", invalid: "bad", unverified: "warn", unchecked: "muted" };

export const ValidityBadge = (p: { c: Pick<CredentialView, "validity" | "validityReason"> }) => (
  <Badge tone={validityTone[p.c.validity]} title={p.c.validityReason ?? undefined}>
    {p.c.validity}
  </Badge>
);

export const CredentialRow = (p: { c: CredentialView; now: Date; canWrite: boolean; csrf: string }) => (
  <tr id={`cred-${p.c.id}`}>
    <td>
      <strong>{p.c.name}</strong>
      {p.c.owner && <div class="muted small">{p.c.owner}</div>}
    </td>
    <td>{p.c.cloudLabel}</td>
    <td>
      <ValidityBadge c={p.c} />
      {p.c.validityReason && <div class="reason small">{p.c.validityReason}</div>}
    </td>
    <td>
      <When at={p.c.checkedAt} now={p.now} />
    </td>
    <td class="row-actions">
      {p.canWrite && (
        <>
          <form method="post" action={`/nodes/credentials/${p.c.id}/validate`} hx-post={`/nodes/credentials/${p.c.id}/validate`} hx-target={`#cred-${p.c.id}`} hx-swap="outerHTML" hx-disabled-elt="find button">
            <CsrfInput token={p.csrf} />
            <button type="submit" class="small">
              <span class="when-idle">Re-validate</span>
              <span class="when-busy">Checking…</span>
            </button>
          </form>
          <a class="button small" href={`/nodes/credentials/${p.c.id}/edit`}>
            Edit
          </a>
          <a class="button small danger" href={`/nodes/credentials/${p.c.id}/delete`}>
            Delete
          </a>
        </>
      )}
    </td>
  </tr>
);

export const CredentialsPage = (p: Base & { credentials: CredentialView[]; cloudLabels: string[] }) => (
  <TabbedPage
    title="Credentials"
    tab="credentials"
    csrf={p.csrf}
    viewer={p.viewer}
    flash={p.flash}
    paused={p.paused}
    actions={p.canWrite && (
      <a class="button primary" href="/nodes/credentials/new">
        Add credential
      </a>
    )}
  >
    {p.credentials.length === 0 ? (
      <EmptyState
        title="No cloud credentials yet"
        action={p.canWrite && (
          <a class="button primary" href="/nodes/credentials/new">
            Add your first credential
          </a>
        )}
      >
        Hoist creates servers with your cloud accounts ({listOf(p.cloudLabels)}). Add one with its API credentials; Hoist encrypts the secret and checks it with the provider.
      </EmptyState>
    ) : (
      <ListTable columns={["Name", "Provider", "Validity", "Last checked"]} actions>
        {p.credentials.map((c) => (
          <CredentialRow c={c} now={p.now} canWrite={p.canWrite} csrf={p.csrf} />
        ))}
      </ListTable>
    )}
  </TabbedPage>
);

/** The provider's own fields, swapped in by HTMX when the provider changes. */
export const ProviderFields = (p: { cloud?: CloudChoice; values?: Record<string, string>; errors?: Record<string, string>; optional?: boolean }) => (
  <div id="provider-fields">
    {p.cloud?.fields.map((f) => (
      <Field
        name={f.key}
        label={f.label}
        type={f.secret ? "password" : "text"}
        value={f.secret ? undefined : p.values?.[f.key]}
        error={p.errors?.[f.key]}
        help={p.optional && f.secret ? "Leave empty to keep the stored value." : f.help}
        placeholder={f.placeholder}
        required={!p.optional}
        autocomplete="off"
        maxlength={256}
      />
    ))}
  </div>
);

export const NewCredentialPage = (p: Base & { clouds: CloudChoice[]; values: Record<string, string>; errors: Record<string, string> }) => {
  const cloud = p.clouds.find((c) => c.id === p.values.provider);
  const known = ["name", "provider", ...(cloud?.fields.map((f) => f.key) ?? [])];
  return (
    <TabbedPage title="Add credential" tab="credentials" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
      <div class="card">
        <h2>Add a cloud credential</h2>
        <FormErrors errors={p.errors} known={known} />
        <form method="post" action="/nodes/credentials" hx-boost="true" hx-disabled-elt="find button[type=submit]">
          <CsrfInput token={p.csrf} />
          <Field name="name" label="Name" value={p.values.name} error={p.errors.name} help="How you will recognise it, e.g. “prod-eu”." required autofocus maxlength={64} />
          <Select
            name="provider"
            label="Provider"
            value={p.values.provider}
            error={p.errors.provider}
            options={[{ value: "", label: "Choose a provider…" }, ...p.clouds.map((c) => ({ value: c.id, label: c.label }))]}
            attrs={{ "hx-get": "/nodes/credentials/fields", "hx-target": "#provider-fields", "hx-swap": "outerHTML", "hx-trigger": "change" }}
          />
          <ProviderFields cloud={cloud} values={p.values} errors={p.errors} />
          <noscript>
            <p class="help">Without JavaScript, pick the provider and press “Show fields”.</p>
            <button type="submit" formmethod="get" formaction="/nodes/credentials/new" formnovalidate>
              Show fields
            </button>
          </noscript>
          <div class="form-actions">
            <button type="submit" class="primary">
              <span class="when-idle">Save and check</span>
              <span class="when-busy">Checking with the provider…</span>
            </button>
            <a href="/nodes/credentials">Cancel</a>
          </div>
        </form>
      </div>
    </TabbedPage>
  );
};

export const EditCredentialPage = (p: Base & { credential: CredentialView; cloud: CloudChoice; values: Record<string, string>; errors: Record<string, string> }) => (
  <TabbedPage title={`Edit ${p.credential.name}`} tab="credentials" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <div class="card">
      <h2>
        Edit {p.credential.name} <ValidityBadge c={p.credential} />
      </h2>
      <p class="muted">{p.cloud.label}. The stored secret is never shown; enter a new one only to replace it.</p>
      <FormErrors errors={p.errors} known={["name", ...p.cloud.fields.map((f) => f.key)]} />
      <form method="post" action={`/nodes/credentials/${p.credential.id}`} hx-boost="true" hx-disabled-elt="find button[type=submit]">
        <CsrfInput token={p.csrf} />
        <Field name="name" label="Name" value={p.values.name ?? p.credential.name} error={p.errors.name} required maxlength={64} />
        <ProviderFields cloud={p.cloud} values={{ ...p.credential.settings, ...p.values }} errors={p.errors} optional />
        <div class="form-actions">
          <button type="submit" class="primary">
            Save
          </button>
          <a href="/nodes/credentials">Cancel</a>
        </div>
      </form>
    </div>
  </TabbedPage>
);

export const DeleteCredentialPage = (p: Base & { credential: CredentialView }) => (
  <TabbedPage title={`Delete ${p.credential.name}`} tab="credentials" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    <div class="card danger-zone">
      <h2>Delete the credential “{p.credential.name}”?</h2>
      <p>
        Hoist forgets this {p.credential.cloudLabel} secret. Servers created with it keep running at the provider, but Hoist will ask for another credential
        before it can change or destroy them. This cannot be undone.
      </p>
      <form method="post" action={`/nodes/credentials/${p.credential.id}/delete`}>
        <CsrfInput token={p.csrf} />
        <div class="form-actions">
          <button type="submit" class="danger">
            Delete credential
          </button>
          <a href="/nodes/credentials">Cancel</a>
        </div>
      </form>
    </div>
  </TabbedPage>
);
