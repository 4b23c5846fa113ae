// The Marketplace tab: the catalog's apps as cards, searched and filtered by category. The
// search is a GET form (it works without JavaScript, and its state is the address); with htmx
// each keystroke asks for the results alone and puts the query in the address bar.
import { EmptyState } from "./components.tsx";
import { AppsPage } from "./apps.tsx";
import type { Base } from "./servers.tsx";

export interface AppCardView {
  id: string;
  name: string;
  description: string;
  category: string;
  icon: string;
  /** image:tag */
  image: string;
  min: { cpus: number; memoryMb: number };
}

export interface MarketplaceQuery {
  q: string;
  category: string;
  /** The node the operator came from (its page's "Deploy an app here"). */
  nodeId?: string;
}

export interface MarketplaceProps {
  apps: AppCardView[];
  /** Every category with its number of apps. */
  categories: { name: string; count: number }[];
  total: number;
  query: MarketplaceQuery;
  /** The node the deploy links preselect, named. */
  node?: { id: string; name: string };
  canWrite: boolean;
}

const href = (path: string, params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();
  return q ? `${path}?${q}` : path;
};

export const deployHref = (appId: string, nodeId?: string) => href(`/marketplace/${appId}/deploy`, { nodeId });
export const marketplaceHref = (q: Partial<MarketplaceQuery>) => href("/marketplace", { q: q.q, category: q.category, nodeId: q.nodeId });

/** "0.5 vCPU · 256 MB" */
export const needs = (min: AppCardView["min"]) => `${min.cpus} vCPU · ${min.memoryMb >= 1024 ? `${(min.memoryMb / 1024).toFixed(1)} GB` : `${min.memoryMb} MB`}`;

const AppCard = (p: { app: AppCardView; nodeId?: string; canWrite: boolean }) => (
  <article class="app-card" id={`app-${p.app.id}`} aria-labelledby={`app-${p.app.id}-name`}>
    <div class="app-card-head">
      <span class="app-icon" aria-hidden="true">
        {p.app.icon}
      </span>
      <div>
        <h3 id={`app-${p.app.id}-name`}>{p.app.name}</h3>
        <span class="badge badge-muted">{p.app.category}</span>
      </div>
    </div>
    <p class="app-description">{p.app.description}</p>
    <dl class="app-facts">
      <div>
        <dt>Image</dt>
        <dd>
          <code>{p.app.image}</code>
        </dd>
      </div>
      <div>
        <dt>Needs at least</dt>
        <dd>{needs(p.app.min)}</dd>
      </div>
    </dl>
    {p.canWrite && (
      <a class="button primary app-deploy" href={deployHref(p.app.id, p.nodeId)} aria-label={`Deploy ${p.app.name}`}>
        Deploy
      </a>
    )}
  </article>
);

/** What the search finds (`#app-results`): what htmx swaps as the operator types. */
export const MarketplaceResults = (p: MarketplaceProps) => {
  const { q, category, nodeId } = p.query;
  const where = [q && `“${q}”`, category && `in ${category}`].filter(Boolean).join(" ");
  return (
    <div id="app-results" aria-live="polite">
      <p class="muted small results-count">
        {p.apps.length === p.total ? `${p.total} apps` : `${p.apps.length} of ${p.total} apps`}
        {where && ` matching ${where}`}
      </p>
      {p.apps.length === 0 ? (
        <EmptyState title="No app matches" action={<a class="button" href={marketplaceHref({ nodeId })}>Show all apps</a>}>
          Nothing in the marketplace matches {where}. Try another word (an app's name, what it does, or its image){category ? ", choose “All categories”," : ""} or show every app.
        </EmptyState>
      ) : (
        <div class="app-grid">
          {p.apps.map((a) => (
            <AppCard app={a} nodeId={nodeId} canWrite={p.canWrite} />
          ))}
        </div>
      )}
    </div>
  );
};

export const MarketplacePage = (p: Base & MarketplaceProps) => (
  <AppsPage title="Marketplace" tab="marketplace" csrf={p.csrf} viewer={p.viewer} flash={p.flash} paused={p.paused}>
    {p.node && (
      <div class="flash flash-info node-context" role="status">
        Choose an app to deploy onto the node <strong>{p.node.name}</strong>. <a href={marketplaceHref({ q: p.query.q, category: p.query.category })}>Any node</a>
      </div>
    )}
    {!p.canWrite && <p class="muted">You have read-only access: you can browse the apps, but only operators and admins deploy them.</p>}
    {/* Typing or choosing a category asks for the results alone (and keeps the query in the address). */}
    <form class="app-search" method="get" action="/marketplace" role="search" hx-get="/marketplace" hx-trigger="submit, input changed delay:250ms" hx-target="#app-results" hx-swap="outerHTML" hx-push-url="true" hx-sync="this:replace">
      {p.query.nodeId && <input type="hidden" name="nodeId" value={p.query.nodeId} />}
      <div class="field">
        <label for="f-q">Search apps</label>
        <input id="f-q" name="q" type="search" value={p.query.q} placeholder="Name, purpose or image, e.g. database" autocomplete="off" maxlength={100} />
      </div>
      <div class="field">
        <label for="f-category">Category</label>
        <select id="f-category" name="category">
          <option value="" selected={!p.query.category}>
            All categories ({p.total})
          </option>
          {p.categories.map((c) => (
            <option value={c.name} selected={c.name === p.query.category}>
              {c.name} ({c.count})
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Search</button>
    </form>
    <MarketplaceResults {...p} />
  </AppsPage>
);
