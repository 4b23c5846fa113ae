// Create server: a credential, then the provider's live catalog (locations, sizes with their
// prices in the chosen location, images) swapped in by HTMX, and a monthly estimate. Without
// JavaScript the "Show options" buttons ask for the same form with the catalog in it.
import type { Catalog, Size } from "../stacks/cloud.ts";
import { CsrfInput, EmptyState, Field, FormErrors, Select } from "./components.tsx";
import { ValidityBadge, type CredentialView } from "./credentials.tsx";
import { TabbedPage } from "./nodes.tsx";
import { money, type Base } from "./servers.tsx";

/** A credential the create form offers: one of a cloud where Hoist can create servers. */
export type CredentialPick = Pick<CredentialView, "id" | "name" | "cloud" | "cloudLabel" | "validity" | "validityReason">;

export type CatalogState =
  | { state: "none" }
  /** Fetched by HTMX once the page is shown, so the page never waits for the provider. */
  | { state: "lazy"; credentialId: string; cloudLabel: string }
  | { state: "loaded"; credentialId: string; catalog: Catalog }
  | { state: "error"; credentialId: string; message: string };

export interface FormValues {
  credentialId?: string;
  name?: string;
  region?: string;
  size?: string;
  image?: string;
  /** The operator's own keys to install; kept apart from the catalog query. */
  sshKeyIds?: string[];
}

/** One of the operator's own SSH keys, as the form offers it. */
export interface KeyPick {
  id: string;
  name: string;
  fingerprint: string;
}

const query = (v: Record<string, string | string[] | undefined>) => new URLSearchParams(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string" && !!e[1])).toString();

export const catalogUrl = (v: FormValues) => `/nodes/cloud/new/catalog?${query({ ...v })}`;

/** The selected size's price in the selected location, when both are known. */
export function priceOf(catalog: Catalog, region?: string, size?: string) {
  return catalog.sizes.find((s) => s.id === size)?.prices[region ?? ""];
}

export const Estimate = (p: { size?: string; region?: string; price?: { monthly: number; hourly: number }; currency?: string }) => (
  <div id="estimate" class="estimate" aria-live="polite">
    {p.price ? (
      <>
        <span class="muted">Estimated cost</span>
        <strong class="amount">
          {money(p.price.monthly, p.currency)}
          <span class="per"> per month</span>
        </strong>
        <span class="muted small">
          {money(p.price.hourly, p.currency, 4)} per hour · {p.size} in {p.region} · billed by the provider
        </span>
      </>
    ) : (
      <span class="muted">Choose a location and a size to see the monthly cost.</span>
    )}
  </div>
);

const specs = (s: Size) => [`${s.cpus} vCPU`, `${s.memoryGb} GB RAM`, `${s.diskGb} GB disk`, s.architecture].filter(Boolean).join(" · ");

const SizeOption = (p: { size: Size; region: string; currency: string; checked: boolean }) => {
  const price = p.size.prices[p.region]!;
  const estimate = `/nodes/cloud/new/estimate?${query({ size: p.size.id, region: p.region, currency: p.currency, monthly: String(price.monthly), hourly: String(price.hourly) })}`;
  return (
    <label class="size-option">
      <input type="radio" name="size" value={p.size.id} checked={p.checked} hx-get={estimate} hx-trigger="change" hx-target="#estimate" hx-swap="outerHTML" />
      <span class="size-name">{p.size.id}</span>
      <span class="size-specs">{specs(p.size)}</span>
      <span class="size-price">
        {money(price.monthly, p.currency)}
        <span class="muted">/mo</span>
      </span>
    </label>
  );
};

/** The part of the form that depends on the credential's live catalog (`#catalog`). */
export const CatalogFields = (p: { catalog: CatalogState; values: FormValues; errors: Record<string, string>; badge?: { c?: CredentialPick } }) => {
  const c = p.catalog;
  return (
    <div id="catalog" class="catalog">
      {/* Fetched on its own (the credential changed), it also updates the credential's badge. */}
      {p.badge && <CredentialBadge c={p.badge.c} oob />}
      {c.state === "none" && <p class="muted">Choose a credential to see its locations, sizes and images.</p>}
      {c.state === "lazy" && (
        <div hx-get={catalogUrl({ ...p.values, credentialId: c.credentialId })} hx-trigger="load" hx-target="#catalog" hx-swap="outerHTML" hx-sync={CATALOG_SYNC} aria-busy="true">
          {/* Without JavaScript nothing loads: the "Show options" button above asks for it. */}
          <noscript>
            <style>{".loading { display: none; }"}</style>
          </noscript>
          <p class="loading">Loading locations, sizes and images from {c.cloudLabel}…</p>
        </div>
      )}
      {c.state === "error" && (
        <div class="flash flash-error catalog-error" role="alert">
          <p>{c.message}</p>
          <p>
            Hoist needs the provider's locations, sizes and images to create a server.{" "}
            <a href={`/nodes/cloud/new?${query({ ...p.values, credentialId: c.credentialId })}`} hx-get={catalogUrl({ ...p.values, credentialId: c.credentialId })} hx-target="#catalog" hx-swap="outerHTML" hx-sync={CATALOG_SYNC}>
              Try again
            </a>
          </p>
        </div>
      )}
      {c.state === "loaded" && <LoadedCatalog catalog={c.catalog} values={p.values} errors={p.errors} />}
    </div>
  );
};

/** What a catalog reload sends: the form's choices, never its CSRF token (a GET puts it in the address). */
const CATALOG_INCLUDE = "#create-server [name]:not([name=_csrf])";
/** Catalog loads replace one another: an answer for a credential no longer chosen must never land. */
const CATALOG_SYNC = "#create-server:replace";
/** A select whose change reloads the catalog for the form's choices. */
const reloadsCatalog = { "hx-get": "/nodes/cloud/new/catalog", "hx-trigger": "change", "hx-target": "#catalog", "hx-swap": "outerHTML", "hx-include": CATALOG_INCLUDE, "hx-sync": CATALOG_SYNC };

const LoadedCatalog = (p: { catalog: Catalog; values: FormValues; errors: Record<string, string> }) => {
  const { catalog, values } = p;
  const region = values.region ?? "";
  const offered = catalog.sizes.filter((s) => s.prices[region]);
  const hidden = catalog.sizes.length - offered.length;
  return (
    <>
      <Select
        name="region"
        label="Location"
        value={region}
        error={p.errors.region}
        options={catalog.locations.map((l) => ({ value: l.id, label: l.label }))}
        attrs={reloadsCatalog}
      />
      <noscript>
        <p>
          <button type="submit" formmethod="get" formaction="/nodes/cloud/new" formnovalidate>
            Update sizes and prices for this location
          </button>
        </p>
      </noscript>
      <fieldset class={`sizes${p.errors.size ? " has-error" : ""}`} aria-describedby={p.errors.size ? "f-size-error" : undefined}>
        <legend>
          Size <span class="muted">(monthly prices in {catalog.currency}, in {region})</span>
        </legend>
        {p.errors.size && (
          <small id="f-size-error" class="error" role="alert">
            {p.errors.size}
          </small>
        )}
        <div class="size-grid">
          {offered.map((s) => (
            <SizeOption size={s} region={region} currency={catalog.currency} checked={s.id === values.size} />
          ))}
        </div>
        {hidden > 0 && <p class="muted small">{hidden} more size(s) are not offered in this location.</p>}
        {catalog.pricesNote && <p class="muted small">{catalog.pricesNote}</p>}
      </fieldset>
      <Select name="image" label="Image" value={values.image} error={p.errors.image} options={catalog.images.map((i) => ({ value: i.id, label: i.label }))} />
      <Estimate size={values.size} region={region} price={priceOf(catalog, region, values.size)} currency={catalog.currency} />
      <div class="form-actions">
        <button type="submit" class="primary">
          <span class="when-idle">Create server</span>
          <span class="when-busy">Creating…</span>
        </button>
        <a href="/nodes/cloud">Cancel</a>
      </div>
    </>
  );
};

export const CredentialBadge = (p: { c?: CredentialPick; oob?: boolean }) => (
  <span id="cred-badge" class="cred-badge" hx-swap-oob={p.oob ? "true" : undefined}>
    {p.c && (
      <>
        <ValidityBadge c={p.c} />
        {p.c.validity === "invalid" && <span class="small reason"> The provider refused it: {p.c.validityReason}. You can still try; the create will then fail with the provider's own error.</span>}
        {p.c.validity === "unverified" && <span class="small reason"> It could not be checked: {p.c.validityReason}</span>}
      </>
    )}
  </span>
);

/** The operator's own keys, installed beside Hoist's so that they can log in themselves. */
const KeyChoice = (p: { keys: KeyPick[]; chosen: string[]; error?: string }) => (
  <fieldset class={`key-choice${p.error ? " has-error" : ""}`} aria-describedby={p.error ? "f-sshKeyIds-error" : undefined}>
    <legend>
      Your SSH keys <span class="muted">(installed for the server's login user, beside Hoist's own key)</span>
    </legend>
    {p.error && (
      <small id="f-sshKeyIds-error" class="error" role="alert">
        {p.error}
      </small>
    )}
    {p.keys.length === 0 ? (
      <p class="muted small">
        You have no SSH keys in Hoist yet. <a href="/settings/ssh-keys">Add one</a> to log in to your servers yourself.
      </p>
    ) : (
      p.keys.map((k) => (
        <label class="check">
          <input type="checkbox" name="sshKeyIds" value={k.id} checked={p.chosen.includes(k.id)} /> {k.name} <code class="small muted">{k.fingerprint}</code>
        </label>
      ))
    )}
  </fieldset>
);

export const NewServerPage = (
  p: Base & {
    credentials: CredentialPick[];
    sshKeys: KeyPick[];
    /** Clouds of the user's credentials that cannot create servers yet. */
    otherClouds: string[];
    /** Clouds that can create servers, by label. */
    serverClouds: string;
    nameHelp: string;
    values: FormValues;
    errors: Record<string, string>;
    formError?: string;
    catalog: CatalogState;
  },
) => {
  const chosen = p.credentials.find((c) => c.id === p.values.credentialId);
  return (
    <TabbedPage title="Create server" tab="cloud" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
      {p.credentials.length === 0 ? (
        <EmptyState title="No credential that can create servers" action={<a class="button primary" href="/nodes/credentials/new">Add a credential</a>}>
          {p.otherClouds.length > 0
            ? `Your credentials are for ${p.otherClouds.join(" and ")}, where Hoist cannot create servers yet. Add a ${p.serverClouds} credential to create one.`
            : `Hoist creates servers with your cloud account. Add a ${p.serverClouds} credential on the Credentials tab first.`}
        </EmptyState>
      ) : (
        <div class="card">
          <h2>Create a cloud server</h2>
          {p.formError && (
            <div class="flash flash-error" role="alert">
              {p.formError}
            </div>
          )}
          <FormErrors errors={p.errors} known={["name", "credentialId", "region", "size", "image", "sshKeyIds"]} />
          <form id="create-server" method="post" action="/nodes/cloud" hx-boost="true" hx-disabled-elt="find button[type=submit]">
            <CsrfInput token={p.csrf} />
            <Field name="name" label="Name" value={p.values.name} error={p.errors.name} help={p.nameHelp} required autofocus maxlength={63} autocomplete="off" />
            <div class="field-with-badge">
              <Select
                name="credentialId"
                label="Credential"
                value={p.values.credentialId}
                error={p.errors.credentialId}
                options={[
                  ...(chosen ? [] : [{ value: "", label: "Choose a credential…" }]),
                  ...p.credentials.map((c) => ({ value: c.id, label: `${c.name} · ${c.cloudLabel} · ${c.validity}` })),
                ]}
                attrs={reloadsCatalog}
              />
              <CredentialBadge c={chosen} />
            </div>
            {p.otherClouds.length > 0 && (
              <p class="muted small">Only credentials for clouds where Hoist can create servers are listed; {p.otherClouds.join(" and ")} servers cannot be created yet.</p>
            )}
            <noscript>
              <p>
                <button type="submit" formmethod="get" formaction="/nodes/cloud/new" formnovalidate>
                  Show options
                </button>
              </p>
            </noscript>
            <KeyChoice keys={p.sshKeys} chosen={p.values.sshKeyIds ?? []} error={p.errors.sshKeyIds} />
            <CatalogFields catalog={p.catalog} values={p.values} errors={p.errors} />
          </form>
        </div>
      )}
    </TabbedPage>
  );
};
