// The Marketplace tab under /marketplace: the catalog searched and filtered (the whole page, or
// the results alone for htmx), and the deploy form of one app: GET, the chosen node's room
// (htmx), POST. Deploying is validated by createDeployment before any stack runs.
import { Hono, type Context } from "hono";
import type { AppEntry } from "../../stacks/app-catalog.ts";
import { deploymentNameTaken } from "../../state/deployments.ts";
import { DeployPage, NodeRoom, type DeployValues, type NodeChoice } from "../../views/deploy-form.tsx";
import { MarketplacePage, MarketplaceResults, type MarketplaceQuery } from "../../views/marketplace.tsx";
import { createDeployment } from "../actions/deployments.ts";
import { requireWriter } from "../actions/guards.ts";
import { listNodes } from "../actions/nodes.ts";
import { findNode } from "../../state/nodes.ts";
import type { Deps, Env } from "../env.ts";
import { fieldMap, InvalidInputError, MaintenanceError, NotFoundError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { appCard, nodeChoice } from "../deployment-views.ts";
import { actorOf, formOf, pageBase } from "../render.ts";

const UUID = /^[0-9a-f-]{36}$/;

/** The apps matching every word of `q` (in name, purpose, category or image) in `category`. */
export function searchApps(catalog: readonly AppEntry[], q: string, category: string): AppEntry[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  return catalog
    .filter((a) => !category || a.category === category)
    .filter((a) => {
      const text = [a.name, a.id, a.description, a.category, `${a.image}:${a.tag}`].join(" ").toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function categoriesOf(catalog: readonly AppEntry[]) {
  const counts = new Map<string, number>();
  for (const a of catalog) counts.set(a.category, (counts.get(a.category) ?? 0) + 1);
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A fragment request of htmx's own: not a boosted page, nor htmx restoring a page it pushed into
 * the history (which wants the whole page). The answer varies with it, for caches.
 */
function isFragment(c: Context<Env>): boolean {
  c.header("Vary", "HX-Request");
  return !!c.req.header("hx-request") && !c.req.header("hx-boosted") && !c.req.header("hx-history-restore-request");
}

/** A name for the deployment that the operator has not used yet: the app's id, then id-2, id-3… */
function freeName(deps: Deps, userId: string, appId: string): string {
  const base = appId.slice(0, 36).replace(/-+$/, "");
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!deploymentNameTaken(deps.db, userId, name)) return name;
  }
}

/** The preselected node: the one asked for when it can take apps, else the first with room, else the first that can. */
function preselect(nodes: NodeChoice[], app: AppEntry, asked?: string): string | undefined {
  const open = nodes.filter((n) => !n.unavailable);
  return (open.find((n) => n.id === asked) ?? open.find((n) => n.cpus >= app.min.cpus && n.memoryMb >= app.min.memoryMb) ?? open[0])?.id;
}

/** What the form sent, to put back after an error: never a secret's value. */
function valuesOf(app: AppEntry, form: Record<string, unknown>): DeployValues {
  const text = (k: string) => (typeof form[k] === "string" ? (form[k] as string).slice(0, 500) : undefined);
  const ports: Record<string, string> = {};
  for (const p of app.ports) {
    const v = text(`ports.${p.name}`);
    if (v !== undefined) ports[p.name] = v;
  }
  const env: Record<string, string> = {};
  for (const e of app.env) {
    const v = text(`env.${e.name}`);
    if (!e.secret && !e.fixed && v !== undefined) env[e.name] = v;
  }
  return { name: text("name"), nodeId: text("nodeId"), ports, env };
}

export function marketplaceRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const entryOf = (id: string) => {
    const entry = deps.catalog.find((a) => a.id === id);
    if (!entry) throw new NotFoundError("app");
    return entry;
  };
  const nodeChoices = (c: Context<Env>) => listNodes(deps, actorOf(c)).map((n) => nodeChoice(deps, n));

  app.get("/", (c) => {
    const actor = actorOf(c);
    const categories = categoriesOf(deps.catalog);
    const rawCategory = c.req.query("category") ?? "";
    const asked = c.req.query("nodeId");
    const node = asked && UUID.test(asked) ? findNode(deps.db, actor.scope, asked) : undefined;
    const query: MarketplaceQuery = {
      q: (c.req.query("q") ?? "").trim().slice(0, 100),
      category: categories.some((k) => k.name === rawCategory) ? rawCategory : "",
      nodeId: node?.id,
    };
    const props = {
      apps: searchApps(deps.catalog, query.q, query.category).map(appCard),
      categories,
      total: deps.catalog.length,
      query,
      node: node && { id: node.id, name: node.name },
      canWrite: actor.user.role !== "viewer",
    };
    if (isFragment(c)) return c.html(<MarketplaceResults {...props} />);
    return c.html(<MarketplacePage {...pageBase(c)} {...props} />);
  });

  const deployPage = (c: Context<Env>, entry: AppEntry, values: DeployValues, opts: { errors?: Record<string, string>; refused?: boolean; formError?: string } = {}) =>
    c.html(<DeployPage {...pageBase(c)} canWrite app={entry} nodes={nodeChoices(c)} values={values} errors={opts.errors ?? {}} refused={opts.refused ?? false} formError={opts.formError} />);

  app.get("/:app/deploy", (c) => {
    const actor = actorOf(c);
    requireWriter(actor);
    const entry = entryOf(c.req.param("app"));
    const nodeId = preselect(nodeChoices(c), entry, c.req.query("nodeId"));
    return deployPage(c, entry, { name: freeName(deps, actor.user.id, entry.id), nodeId, ports: {}, env: {} });
  });

  app.get("/:app/deploy/room", (c) => {
    requireWriter(actorOf(c));
    const entry = entryOf(c.req.param("app"));
    const node = nodeChoices(c).find((n) => n.id === c.req.query("nodeId"));
    return c.html(<NodeRoom node={node} app={entry} />);
  });

  app.post("/:app/deploy", async (c) => {
    const entry = entryOf(c.req.param("app"));
    const form = await formOf(c);
    try {
      const { deployment, warnings } = await createDeployment(deps, actorOf(c), { ...form, app: entry.id });
      const node = deployment.nodeId ? findNode(deps.db, actorOf(c).scope, deployment.nodeId) : undefined;
      const words = [`Deploying ${deployment.name}${node ? ` onto ${node.name}` : ""}: Hoist is running its stack ${deployment.stack}.`, ...warnings.map((w) => `Note: ${w}`)];
      setFlash(c, warnings.length ? "info" : "ok", words.join(" "));
      return c.redirect(`/deployments/${deployment.id}`, 303);
    } catch (err) {
      // Changes paused meanwhile: the form stays filled in (secrets aside), with the reason.
      if (err instanceof MaintenanceError) {
        c.status(503);
        return deployPage(c, entry, valuesOf(entry, form), { refused: true, formError: err.message });
      }
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      return deployPage(c, entry, valuesOf(entry, form), { errors: fieldMap(err), refused: true });
    }
  });

  return app;
}
