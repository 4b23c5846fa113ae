// The dedicated node wizard's plan: the deployments chosen from the operator's shared nodes, what
// they were measured using (the monitor's latest samples; sampled now when there are none), the
// size the sizing rule recommends from the live catalog, and for the size chosen its monthly cost
// against what is paid now, the headroom before and after, and whether it is undersized.
import type { Catalog, Size } from "../../stacks/cloud.ts";
import { findNodeById, type Node } from "../../state/nodes.ts";
import { findServer } from "../../state/servers.ts";
import { deploymentPolicy } from "../../state/statuses.ts";
import type { Deployment } from "../../state/deployments.ts";
import type { Actor, Deps } from "../env.ts";
import { InvalidInputError, type FieldError } from "../errors.ts";
import { catalogFor } from "./servers.ts";
import { listDeployments } from "./deployments.ts";
import { latestDeploymentUsage, latestNodeUsage, type Usage } from "./usage.ts";
import { fitOf, recommendSize, requirementOf, runsOn, usedOn, splitForSize, type DeploymentNeed, type Fit, type Requirement } from "./sizing.ts";

export interface Candidate {
  deployment: Deployment;
  node: Node;
  appName: string;
  /** The app keeps data in volumes: its move stops it for a short while. */
  stateful: boolean;
}

export interface Measured extends DeploymentNeed {
  id: string;
  /** When it was measured, or why it could not be. */
  at?: Date;
  missing?: string;
  usage?: Usage;
}

export interface SourceNode {
  node: Node;
  serverName: string;
  priceMonthly: number | null;
  currency: string | null;
  now?: { cpuPercent: number; memoryPercent: number | null };
  /** Its use once the chosen deployments have left it. */
  after?: { cpuPercent: number; memoryPercent: number | null };
  /** Every deployment on it is moving: it could be destroyed afterwards. */
  emptied: boolean;
}

export interface Plan {
  candidates: Candidate[];
  chosen: Candidate[];
  later: string[];
  measured: Measured[];
  requirement: Requirement;
  sources: SourceNode[];
  catalog?: Catalog;
  /** The architecture of the nodes the deployments run on now (their images are built for it). */
  arch?: string;
  /** Why there is no catalog, when a credential was chosen and the provider did not give one. */
  catalogError?: string;
  region?: string;
  image?: string;
  recommended?: Size;
  size?: Size;
  fit?: Fit;
  cost?: { currency: string; monthly: number; now: number | null; nowCurrency: string | null; difference: number | null; ifEmptiedDestroyed: number | null };
  after?: { cpuPercent: number; memoryPercent: number };
  /** The deployments that fit the chosen size now, when it is undersized (a move in phases). */
  phases?: { now: string[]; later: string[] };
}

export interface PlanInput {
  deploymentIds: string[];
  later: string[];
  credentialId?: string;
  region?: string;
  size?: string;
  image?: string;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : []).map((s) => String(s).trim()).filter(Boolean);
const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** The wizard's input from a form, a query string or JSON. */
export function planInputOf(raw: Record<string, unknown>): PlanInput {
  return { deploymentIds: list(raw.deployments ?? raw.deploymentIds), later: list(raw.later), credentialId: text(raw.credentialId), region: text(raw.region), size: text(raw.size), image: text(raw.image) };
}

/** The operator's deployments on shared nodes, which may move to a dedicated one. */
export function candidatesFor(deps: Deps, actor: Actor): Candidate[] {
  const out: Candidate[] = [];
  for (const d of listDeployments(deps, actor)) {
    const node = d.nodeId ? findNodeById(deps.db, d.nodeId) : undefined;
    if (!node || node.pool !== "shared" || !deploymentPolicy.occupiesNode(d.status) || d.status === "failed") continue;
    const entry = deps.catalog.find((a) => a.id === d.app);
    const volumes = (d.spec as { volumes?: unknown[] }).volumes ?? entry?.volumes ?? [];
    out.push({ deployment: d, node, appName: entry?.name ?? d.app, stateful: volumes.length > 0 });
  }
  return out;
}

const cpusOf = (node: Node) => Math.max(1, Number((node.facts as { cpus?: number } | null)?.cpus) || 1);

/** What each chosen deployment uses: its latest sample, or one taken now on its node. */
async function measure(deps: Deps, chosen: Candidate[]): Promise<Measured[]> {
  const sampled = new Map<string, string | null>();
  for (const c of chosen) {
    if (latestDeploymentUsage(deps, c.deployment.id) || sampled.has(c.node.id)) continue;
    const error = await deps.monitor.sample(c.node).then(
      () => null,
      (err: Error) => err.message,
    );
    sampled.set(c.node.id, error);
  }
  return chosen.map((c) => {
    const entry = deps.catalog.find((a) => a.id === c.deployment.app);
    const min = entry?.min ?? { cpus: 0, memoryMb: 0 };
    const usage = latestDeploymentUsage(deps, c.deployment.id);
    if (!usage) return { id: c.deployment.id, cpus: 0, memoryBytes: 0, min, missing: sampled.get(c.node.id) ?? "its container was not found running on its node" };
    return { id: c.deployment.id, cpus: (usage.cpuPercent / 100) * cpusOf(c.node), memoryBytes: usage.memoryBytes, min, at: usage.at, usage };
  });
}

function sourcesOf(deps: Deps, actor: Actor, chosen: Candidate[], measured: Measured[], candidates: Candidate[]): SourceNode[] {
  const byNode = new Map<string, Candidate[]>();
  for (const c of chosen) byNode.set(c.node.id, [...(byNode.get(c.node.id) ?? []), c]);
  return [...byNode.entries()].map(([nodeId, moving]) => {
    const node = moving[0]!.node;
    const server = node.serverId ? findServer(deps.db, actor.scope, node.serverId) : undefined;
    const u = latestNodeUsage(deps, nodeId);
    const leaving = measured.filter((m) => moving.some((c) => c.deployment.id === m.id));
    const cpuOut = leaving.reduce((a, m) => a + (m.usage?.cpuPercent ?? 0), 0);
    const memOut = leaving.reduce((a, m) => a + m.memoryBytes, 0);
    const memAfter = u?.memoryTotalBytes ? Math.round((1000 * Math.max(0, u.memoryBytes - memOut)) / u.memoryTotalBytes) / 10 : null;
    return {
      node,
      serverName: server?.name ?? node.name,
      priceMonthly: server?.priceMonthly ? Number(server.priceMonthly) : null,
      currency: typeof server?.spec.currency === "string" ? server.spec.currency : null,
      now: u && { cpuPercent: u.cpuPercent, memoryPercent: u.memoryPercent },
      after: u && { cpuPercent: Math.max(0, Math.round((u.cpuPercent - cpuOut) * 10) / 10), memoryPercent: memAfter },
      emptied: candidates.filter((c) => c.node.id === nodeId).length === moving.length,
    };
  });
}

function costOf(sources: SourceNode[], currency: string, monthly: number): Plan["cost"] {
  const priced = sources.filter((s) => s.priceMonthly !== null);
  const currencies = new Set(priced.map((s) => s.currency));
  // Sums across currencies would mean nothing: then only the new node's price is given.
  const comparable = priced.length === sources.length && currencies.size === 1 && currencies.has(currency);
  const now = comparable ? priced.reduce((a, s) => a + s.priceMonthly!, 0) : null;
  const emptied = comparable ? sources.filter((s) => s.emptied).reduce((a, s) => a + s.priceMonthly!, 0) : null;
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    currency,
    monthly,
    now: now === null ? null : r(now),
    nowCurrency: comparable ? currency : null,
    difference: now === null ? null : r(monthly),
    ifEmptiedDestroyed: emptied ? r(monthly - emptied) : null,
  };
}

/** Works out the plan for the input; a choice that is not there names its field. */
export async function planDedicated(deps: Deps, actor: Actor, input: PlanInput): Promise<Plan> {
  const candidates = candidatesFor(deps, actor);
  const errors: FieldError[] = [];
  const unknown = input.deploymentIds.filter((id) => !candidates.some((c) => c.deployment.id === id));
  if (unknown.length) errors.push({ field: "deployments", message: `${unknown.length} of the chosen deployments are not yours on a shared node (${unknown.slice(0, 3).join(", ")})` });
  if (errors.length) throw new InvalidInputError(errors);
  const chosen = candidates.filter((c) => input.deploymentIds.includes(c.deployment.id));
  const later = input.later.filter((id) => candidates.some((c) => c.deployment.id === id) && !input.deploymentIds.includes(id));
  const measured = await measure(deps, chosen);
  const requirement = requirementOf(measured);
  const sources = sourcesOf(deps, actor, chosen, measured, candidates);
  const plan: Plan = { candidates, chosen, later, measured, requirement, sources };
  if (!input.credentialId) return plan;
  try {
    plan.catalog = (await catalogFor(deps, actor, input.credentialId)).catalog;
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    plan.catalogError = (err as Error).message;
    return plan;
  }
  const catalog = plan.catalog;
  plan.region = catalog.locations.find((l) => l.id === input.region)?.id ?? catalog.locations[0]?.id;
  if (input.region && plan.region !== input.region) throw new InvalidInputError([{ field: "region", message: "is not a location the provider offers" }]);
  const region = plan.region;
  if (!region) return plan;
  plan.arch = chosen.map((c) => (c.node.facts as { arch?: string } | null)?.arch).find(Boolean);
  plan.recommended = recommendSize(catalog.sizes, region, requirement, plan.arch);
  const size = input.size ? catalog.sizes.find((s) => s.id === input.size) : plan.recommended;
  if (input.size && (!size || !size.prices[region])) throw new InvalidInputError([{ field: "size", message: size ? `is not offered in ${region}` : "is not a size the provider offers" }]);
  if (size && !runsOn(size, plan.arch)) throw new InvalidInputError([{ field: "size", message: `is a ${size.architecture} size; the deployments' images run on ${plan.arch}` }]);
  plan.size = size;
  const images = catalog.images.filter((i) => !size?.architecture || !i.architecture || i.architecture === size.architecture);
  plan.image = images.find((i) => i.id === input.image)?.id ?? images[0]?.id;
  if (!size) return plan;
  plan.fit = fitOf(size, requirement);
  plan.after = usedOn(size, requirement);
  plan.cost = costOf(sources, catalog.currency, size.prices[region]!.monthly);
  if (plan.fit === "undersized") {
    const split = splitForSize(size, measured);
    if (split.now.length && split.later.length) plan.phases = { now: split.now.map((m) => m.id), later: [...split.later.map((m) => m.id), ...later] };
  }
  return plan;
}

