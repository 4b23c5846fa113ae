// A proposed change as its page shows it: Hoist's settings now and proposed (a secret by name
// only), the price before and after, and the kept plan with the steps that lose data marked.
import type { AppSpec } from "../stacks/app.ts";
import type { Change } from "../state/changes.ts";
import type { Deployment } from "../state/deployments.ts";
import type { Server } from "../state/servers.ts";
import { findUser } from "../state/users.ts";
import type { ChangeView } from "../views/change-page.tsx";
import { dataLosses, planOf } from "./actions/changes.ts";
import { declaredOf, type ServerDeclared } from "../engine/server-kind.ts";
import type { Deps } from "./env.ts";

function common(deps: Deps, c: Change): Pick<ChangeView, "id" | "status" | "steps" | "losesData" | "error" | "createdAt" | "by"> {
  const losses = new Set(dataLosses(c).map((s) => s.urn));
  return {
    id: c.id,
    status: c.status,
    steps: planOf(c)?.steps.map((s) => ({ ...s, losesData: losses.has(s.urn) })),
    losesData: losses.size > 0,
    error: c.error,
    createdAt: c.createdAt,
    by: c.userId ? findUser(deps.db, c.userId)?.email : undefined,
  };
}

/** Rows for the settings that differ between two flat records. */
const differing = (labels: Record<string, string>, from: Record<string, string>, to: Record<string, string>) =>
  Object.entries(labels)
    .filter(([k]) => from[k] !== to[k])
    .map(([k, label]) => ({ label, from: from[k] ?? "—", to: to[k] ?? "—" }));

const flatServer = (d: ServerDeclared) => ({ size: d.size, image: d.image, firewallPorts: d.firewallPorts.join(", ") });

export function serverChangeView(deps: Deps, c: Change, server: Server): ChangeView {
  const summary = (c.summary ?? {}) as { from?: ServerDeclared; cost?: ChangeView["cost"] };
  const from = flatServer(summary.from ?? declaredOf(server));
  const to = flatServer(c.proposal as unknown as ServerDeclared);
  const base = `/nodes/cloud/${server.id}`;
  return {
    ...common(deps, c),
    subjectWord: "server",
    subjectName: server.name,
    base,
    proposeUrl: `${base}/change`,
    rows: differing({ size: "Size", image: "Image (a rebuild)", firewallPorts: "Firewall: inbound TCP ports" }, from, to),
    cost: summary.cost,
  };
}

export function deploymentChangeView(deps: Deps, c: Change, d: Deployment): ChangeView {
  const now = d.spec as unknown as AppSpec;
  const next = c.proposal.spec as unknown as AppSpec;
  const names = [...new Set([...Object.keys(now.env ?? {}), ...Object.keys(next.env ?? {})])].sort();
  const rows = [
    ...(now.tag !== next.tag ? [{ label: "Image tag", from: `${now.image}:${now.tag}`, to: `${next.image}:${next.tag}` }] : []),
    ...names.filter((k) => now.env?.[k] !== next.env?.[k]).map((k) => ({ label: k, from: now.env?.[k] ?? "—", to: next.env?.[k] ?? "—" })),
    // A secret is named, never shown.
    ...(((c.summary ?? {}).changedSecrets as string[] | undefined) ?? []).map((k) => ({ label: `${k} (secret)`, from: "[secret]", to: "[secret], changed" })),
  ];
  const base = `/deployments/${d.id}`;
  return { ...common(deps, c), subjectWord: "deployment", subjectName: d.name, base, proposeUrl: `${base}/update`, rows };
}

/** The changes still open (being previewed, or previewed and waiting), for the subject's page. */
export function openChanges(changes: Change[]) {
  return changes
    .filter((c) => c.status === "previewing" || c.status === "previewed")
    .map((c) => ({ id: c.id, status: c.status, createdAt: c.createdAt, summary: summaryOf(c) }));
}

function summaryOf(c: Change): string {
  if (c.stackKind === "app") return "Update of the image tag or settings";
  const from = (c.summary as { from?: ServerDeclared } | null)?.from;
  const to = c.proposal as unknown as ServerDeclared;
  const parts = [];
  if (from?.size !== to.size) parts.push(`size ${from?.size ?? "?"} → ${to.size}`);
  if (from?.image !== to.image) parts.push(`rebuild from ${to.image}`);
  if (from?.firewallPorts.join() !== to.firewallPorts.join()) parts.push(`ports ${to.firewallPorts.join(", ")}`);
  return parts.join("; ") || "Change";
}
