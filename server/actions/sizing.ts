// How big a dedicated node must be for the deployments moved there, written once: at least
// HEADROOM times what their containers were measured using (CPU in cores, memory), and never
// less than the apps' declared minimums added up. Pure functions of what they are given.
import type { Size } from "../../stacks/cloud.ts";

/** The factor of measured use a new node must have room for. */
export const HEADROOM = 1.5;

const MiB = 1024 * 1024;

/** What one deployment was measured using, and what its app declares it needs at least. */
export interface DeploymentNeed {
  /** Cores busy (its container's CPU share of its node times that node's CPUs). */
  cpus: number;
  memoryBytes: number;
  min: { cpus: number; memoryMb: number };
}

export interface Requirement {
  measured: { cpus: number; memoryMb: number };
  declared: { cpus: number; memoryMb: number };
  /** What a size needs for the rule: max(HEADROOM × measured, declared). */
  required: { cpus: number; memoryMb: number };
}

export function requirementOf(needs: readonly DeploymentNeed[]): Requirement {
  const sum = (f: (n: DeploymentNeed) => number) => needs.reduce((a, n) => a + f(n), 0);
  const measured = { cpus: round2(sum((n) => n.cpus)), memoryMb: Math.ceil(sum((n) => n.memoryBytes) / MiB) };
  const declared = { cpus: round2(sum((n) => n.min.cpus)), memoryMb: sum((n) => n.min.memoryMb) };
  return {
    measured,
    declared,
    required: { cpus: round2(Math.max(HEADROOM * measured.cpus, declared.cpus)), memoryMb: Math.ceil(Math.max(HEADROOM * measured.memoryMb, declared.memoryMb)) },
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const memMb = (s: Size) => s.memoryGb * 1024;

/** How a size compares: room for the rule, only for what was measured, or not even that. */
export type Fit = "recommended-fit" | "tight" | "undersized";

export function fitOf(size: Size, r: Requirement): Fit {
  const below = (need: { cpus: number; memoryMb: number }) => size.cpus < need.cpus || memMb(size) < need.memoryMb;
  // Below what the apps use now, or below what they declare they need: the operator must say they know.
  if (below(r.measured) || below(r.declared)) return "undersized";
  return below(r.required) ? "tight" : "recommended-fit";
}

/** x86 or arm, whichever way a catalog (x86, x86_64, arm64) or a node (uname -m) spells it. */
const family = (arch: string | undefined) => (!arch ? undefined : /arm|aarch/i.test(arch) ? "arm" : /x86|amd64|i[3-6]86/i.test(arch) ? "x86" : arch);

/** Whether a size runs what nodes of architecture `arch` run (unknown on either side: yes). */
export const runsOn = (size: Size, arch: string | undefined) => !family(size.architecture) || !family(arch) || family(size.architecture) === family(arch);

/**
 * The cheapest size offered in the region that meets the rule and runs the apps' images (the
 * architecture of the nodes they run on now); ties: fewer CPUs, then less memory.
 */
export function recommendSize(sizes: readonly Size[], region: string, r: Requirement, arch?: string): Size | undefined {
  return sizes
    .filter((s) => s.prices[region] && runsOn(s, arch) && fitOf(s, r) === "recommended-fit")
    .sort((a, b) => a.prices[region]!.monthly - b.prices[region]!.monthly || a.cpus - b.cpus || a.memoryGb - b.memoryGb)[0];
}

/** Used share (percent) of a node of `size` once the deployments run there. */
export function usedOn(size: Size, r: Requirement): { cpuPercent: number; memoryPercent: number } {
  return { cpuPercent: Math.round((1000 * r.measured.cpus) / size.cpus) / 10, memoryPercent: Math.round((1000 * r.measured.memoryMb) / memMb(size)) / 10 };
}

/**
 * The deployments that fit `size` now, largest first while they fit, for a move in phases; the
 * rest are left for later.
 */
export function splitForSize<T extends DeploymentNeed & { id: string }>(size: Size, needs: readonly T[]): { now: T[]; later: T[] } {
  const now: T[] = [];
  const later: T[] = [];
  for (const n of [...needs].sort((a, b) => b.memoryBytes - a.memoryBytes)) {
    if (fitOf(size, requirementOf([...now, n])) === "undersized") later.push(n);
    else now.push(n);
  }
  return { now, later };
}
