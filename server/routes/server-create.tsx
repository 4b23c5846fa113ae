// Creating a cloud server under /nodes/cloud: the form (GET /new), the provider's live catalog
// for the chosen credential (GET /new/catalog, through HTMX), the cost estimate, and the POST.
import { findCloud } from "../../stacks/clouds.ts";
import { Hono, type Context } from "hono";
import type { Catalog } from "../../stacks/cloud.ts";
import { CatalogFields, Estimate, NewServerPage, type CatalogState, type FormValues } from "../../views/server-form.tsx";
import { requireWriter } from "../actions/guards.ts";
import { catalogFor, createServer } from "../actions/servers.ts";
import { listUserKeysOf, type UserKey } from "../actions/user-keys.ts";
import type { Deps, Env } from "../env.ts";
import { ConflictError, fieldMap, httpStatusOf, InvalidInputError, RateLimitedError, UpstreamError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { credentialPicks, serverCloudsLabel } from "../view-models.ts";

const FIELDS = ["credentialId", "name", "region", "size", "image"] as const;

function valuesOf(raw: Record<string, unknown>): FormValues {
  const v: FormValues = {};
  for (const k of FIELDS) if (typeof raw[k] === "string") v[k] = (raw[k] as string).slice(0, 300);
  const keys = raw.sshKeyIds;
  v.sshKeyIds = (Array.isArray(keys) ? keys : keys === undefined ? [] : [keys]).filter((k): k is string => typeof k === "string").slice(0, 50);
  return v;
}

/** The keys a first visit preselects: those chosen for the last server, or all when none ever was. */
function lastChosen(keys: UserKey[]): string[] {
  const last = Math.max(0, ...keys.map((k) => k.lastUsedAt?.getTime() ?? 0));
  return keys.filter((k) => (last ? k.lastUsedAt?.getTime() === last : true)).map((k) => k.id);
}

/** Fills in what the form needs chosen: a location, a size offered there (the cheapest) and an image. */
function withDefaults(catalog: Catalog, v: FormValues): FormValues {
  const region = catalog.locations.some((l) => l.id === v.region) ? v.region : catalog.locations[0]?.id;
  const offered = catalog.sizes.filter((s) => region && s.prices[region]);
  const cheapest = [...offered].sort((a, b) => a.prices[region!]!.monthly - b.prices[region!]!.monthly)[0];
  const size = offered.some((s) => s.id === v.size) ? v.size : cheapest?.id;
  const image = catalog.images.some((i) => i.id === v.image) ? v.image : catalog.images[0]?.id;
  return { ...v, region, size, image };
}

export function serverCreateRoutes(deps: Deps) {
  const app = new Hono<Env>();

  async function loadCatalog(c: Context<Env>, values: FormValues, errors: Record<string, string>): Promise<{ catalog: CatalogState; values: FormValues }> {
    if (!values.credentialId) return { catalog: { state: "none" }, values };
    try {
      const { catalog } = await catalogFor(deps, actorOf(c), values.credentialId);
      return { catalog: { state: "loaded", credentialId: values.credentialId, catalog }, values: withDefaults(catalog, values) };
    } catch (err) {
      if (err instanceof UpstreamError) return { catalog: { state: "error", credentialId: values.credentialId, message: err.message }, values };
      if (err instanceof InvalidInputError) {
        Object.assign(errors, fieldMap(err));
        return { catalog: { state: "none" }, values };
      }
      throw err;
    }
  }

  async function newServerPage(c: Context<Env>, values: FormValues, opts: { errors?: Record<string, string>; formError?: string; lazy?: boolean; firstVisit?: boolean } = {}) {
    const actor = actorOf(c);
    const { picks, otherClouds } = credentialPicks(deps, actor);
    const errors = { ...opts.errors };
    let catalog: CatalogState;
    if (opts.lazy && values.credentialId) {
      catalog = { state: "lazy", credentialId: values.credentialId, cloudLabel: picks.find((p) => p.id === values.credentialId)?.cloudLabel ?? "the provider" };
    } else {
      ({ catalog, values } = await loadCatalog(c, values, errors));
    }
    const cloud = picks.find((p) => p.id === values.credentialId)?.cloud;
    const rule = findCloud(cloud)?.servers?.name.message;
    const nameHelp = `Unique among your servers${rule ? `; it ${rule}` : ""}.`;
    const sshKeys = listUserKeysOf(deps, actor);
    if (opts.firstVisit) values = { ...values, sshKeyIds: lastChosen(sshKeys) };
    return c.html(<NewServerPage {...pageBase(c)} canWrite credentials={picks} sshKeys={sshKeys.map((k) => ({ id: k.id, name: k.name, fingerprint: k.fingerprint }))} otherClouds={otherClouds} serverClouds={serverCloudsLabel()} nameHelp={nameHelp} values={values} errors={errors} formError={opts.formError} catalog={catalog} />);
  }

  app.get("/new", async (c) => {
    requireWriter(actorOf(c));
    // Without JS, "Show options" submits the whole form by GET, CSRF token included: drop it from the address.
    if (c.req.query("_csrf") !== undefined) {
      const q = new URLSearchParams(c.req.query());
      q.delete("_csrf");
      return c.redirect(`/nodes/cloud/new?${q}`, 303);
    }
    const values = valuesOf({ ...c.req.query(), sshKeyIds: c.req.queries("sshKeyIds") });
    // A credential in the address is the operator's explicit choice (or a page without JS):
    // the catalog is then in the page. Otherwise the best credential is preselected and its
    // catalog follows through HTMX, so the page never waits for the provider.
    if (values.credentialId) return newServerPage(c, values, { firstVisit: values.sshKeyIds?.length === 0 });
    const { picks } = credentialPicks(deps, actorOf(c));
    const best = picks.find((p) => p.validity === "valid") ?? picks[0];
    return newServerPage(c, { ...values, credentialId: best?.id }, { lazy: true, firstVisit: true });
  });

  app.get("/new/catalog", async (c) => {
    requireWriter(actorOf(c));
    const errors: Record<string, string> = {};
    const { catalog, values } = await loadCatalog(c, valuesOf(c.req.query()), errors);
    const chosen = credentialPicks(deps, actorOf(c)).picks.find((p) => p.id === values.credentialId);
    return c.html(<CatalogFields catalog={catalog} values={values} errors={errors} badge={{ c: chosen }} />);
  });

  app.get("/new/estimate", (c) => {
    const q = c.req.query();
    const monthly = Number(q.monthly);
    const hourly = Number(q.hourly);
    const ok = Number.isFinite(monthly) && Number.isFinite(hourly) && /^[A-Z]{3}$/.test(q.currency ?? "");
    return c.html(<Estimate size={q.size?.slice(0, 64)} region={q.region?.slice(0, 64)} price={ok ? { monthly, hourly } : undefined} currency={q.currency} />);
  });

  app.post("/", async (c) => {
    const form = await formOf(c);
    const values = valuesOf(form);
    try {
      const { server } = await createServer(deps, actorOf(c), form);
      setFlash(c, "ok", `Creating ${server.name}: Hoist is running its stack ${server.stack}.`);
      return c.redirect(`/nodes/cloud/${server.id}`, 303);
    } catch (err) {
      if (err instanceof InvalidInputError) {
        c.status(422);
        return newServerPage(c, values, { errors: fieldMap(err) });
      }
      if (err instanceof ConflictError || err instanceof RateLimitedError) {
        if (err instanceof RateLimitedError) c.header("Retry-After", String(err.retryAfterSeconds));
        c.status(httpStatusOf(err) as 409);
        return newServerPage(c, values, { formError: err.message });
      }
      throw err;
    }
  });

  return app;
}
