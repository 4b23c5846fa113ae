// The wizard's plan as its page shows it: names, prices and fits resolved, figures in words.
import { gb } from "../views/usage-chart.tsx";
import type { WizardView } from "../views/dedicated-wizard.tsx";
import type { Plan } from "./actions/dedicated-plan.ts";
import { dedicatedStatusOf, undersizeMessage } from "./actions/dedicated.ts";
import { deploymentById } from "../state/deployments.ts";
import type { Server } from "../state/servers.ts";
import type { DedicatedView } from "../views/server-dedicated.tsx";
import { fitOf, runsOn } from "./actions/sizing.ts";
import type { Actor, Deps } from "./env.ts";
import { credentialPicks } from "./view-models.ts";

const need = (n: { cpus: number; memoryMb: number }) => `${n.cpus} CPU · ${n.memoryMb} MB memory`;
const share = (u?: { cpuPercent: number; memoryPercent: number | null }) => u && `CPU ${u.cpuPercent}%, memory ${u.memoryPercent ?? "—"}%`;

/** The address of the wizard with these choices (for "Move in phases" and the redirect after a post). */
export function wizardHref(q: { deployments: string[]; later: string[]; credentialId?: string; region?: string; size?: string; image?: string; name?: string }): string {
  const params = new URLSearchParams();
  if (q.deployments.length) params.set("deployments", q.deployments.join(","));
  if (q.later.length) params.set("later", q.later.join(","));
  for (const k of ["credentialId", "region", "size", "image", "name"] as const) if (q[k]) params.set(k, q[k]!);
  const qs = params.toString();
  return `/nodes/dedicated/new${qs ? `?${qs}` : ""}`;
}

export function wizardView(deps: Deps, actor: Actor, plan: Plan, form: { credentialId?: string; name: string; acknowledged: boolean }): WizardView {
  const { catalog, region, size } = plan;
  const nameOf = (id: string) => plan.candidates.find((c) => c.deployment.id === id)?.deployment.name ?? id;
  const sizes = catalog && region ? catalog.sizes.filter((s) => s.prices[region] && runsOn(s, plan.arch)).sort((a, b) => a.prices[region]!.monthly - b.prices[region]!.monthly) : [];
  return {
    deployments: plan.candidates.map((c) => {
      const m = plan.measured.find((x) => x.id === c.deployment.id);
      return {
        id: c.deployment.id,
        name: c.deployment.name,
        app: c.appName,
        node: c.node.name,
        stateful: c.stateful,
        chosen: plan.chosen.includes(c),
        measured: m && !m.missing ? `${Math.round(m.cpus * 100) / 100} CPU · ${gb(m.memoryBytes)} measured` : undefined,
        missing: m?.missing,
      };
    }),
    later: plan.later,
    credentials: credentialPicks(deps, actor).picks.map((p) => ({ id: p.id, label: `${p.name} (${p.cloudLabel})` })),
    credentialId: form.credentialId,
    catalogError: plan.catalogError,
    regions: catalog?.locations ?? [],
    region,
    sizes: sizes.map((s) => ({ id: s.id, label: s.label, price: s.prices[region!]?.monthly, fit: fitOf(s, plan.requirement) })),
    size: size?.id,
    images: catalog ? catalog.images.filter((i) => !size?.architecture || !i.architecture || i.architecture === size.architecture) : [],
    image: plan.image,
    name: form.name,
    requirement: { measured: need(plan.requirement.measured), declared: need(plan.requirement.declared), required: need(plan.requirement.required) },
    recommended: plan.recommended && { id: plan.recommended.id, label: plan.recommended.label, price: region ? plan.recommended.prices[region]?.monthly : undefined },
    currency: catalog?.currency,
    fit: plan.fit,
    cost: plan.cost,
    headroom: plan.after && { after: plan.after, sources: plan.sources.map((s) => ({ name: s.serverName, now: share(s.now), after: share(s.after), emptied: s.emptied })) },
    phases: plan.phases && {
      now: plan.phases.now.map((id) => ({ id, name: nameOf(id) })),
      later: plan.phases.later.map((id) => ({ id, name: nameOf(id) })),
      href: wizardHref({ deployments: plan.phases.now, later: plan.phases.later, credentialId: form.credentialId, region, size: size?.id, image: plan.image, name: form.name }),
    },
    undersizeMessage: plan.fit === "undersized" ? undersizeMessage(plan) : undefined,
    acknowledged: form.acknowledged,
  };
}

/** The server page's card for a node the wizard made: its deployments, and the move once it is ready. */
export function dedicatedView(deps: Deps, server: Server): DedicatedView | undefined {
  const status = dedicatedStatusOf(deps, server);
  if (!status) return undefined;
  const named = (ids: string[]) => ids.map((id) => ({ id, name: deploymentById(deps.db, id)?.name ?? "(removed)" }));
  return { deployments: named(status.plan.deploymentIds), later: named(status.plan.laterIds), moveUrl: status.moveUrl };
}
