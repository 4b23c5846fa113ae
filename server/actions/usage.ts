// What the monitor measured, as the pages and the API show it: a node's or a deployment's latest
// use and its samples over a window, and which shared nodes are near their capacity.
import type { Node } from "../../state/nodes.ts";
import { lastMonitorError, latestOfDeployments, latestOfNodes, latestSample, sampleNear, samplesOf, SAMPLE_RETENTION_MS, type UsageSample } from "../../state/usage-samples.ts";
import type { Deps } from "../env.ts";
import { InvalidInputError } from "../errors.ts";
import type { Resource, Usage } from "../../views/usage-chart.tsx";
import type { NodeUsageView } from "../../views/server-page.tsx";

/** A shared node using this share or more of its CPU, memory or disk is near its capacity (written once). */
export const NEAR_CAPACITY = 0.8;

export type { Resource, Usage };

const percent = (part: number | null, whole: number | null) => (part !== null && whole ? Math.round((1000 * part) / whole) / 10 : null);

export function usageOf(s: UsageSample): Usage {
  return {
    at: s.at,
    cpuPercent: s.cpuPercent,
    memoryBytes: s.memoryBytes,
    memoryTotalBytes: s.memoryTotalBytes,
    memoryPercent: percent(s.memoryBytes, s.memoryTotalBytes),
    diskUsedBytes: s.diskUsedBytes,
    diskTotalBytes: s.diskTotalBytes,
    diskPercent: percent(s.diskUsedBytes, s.diskTotalBytes),
  };
}

/** The resources of which the usage is at NEAR_CAPACITY or more. */
export function nearCapacity(u: Usage | undefined): Resource[] {
  if (!u) return [];
  const share: [Resource, number | null][] = [
    ["cpu", u.cpuPercent],
    ["memory", u.memoryPercent],
    ["disk", u.diskPercent],
  ];
  return share.filter(([, p]) => p !== null && p >= NEAR_CAPACITY * 100).map(([r]) => r);
}

export const latestNodeUsage = (deps: Deps, nodeId: string): Usage | undefined => {
  const s = latestSample(deps.db, { nodeId });
  return s && usageOf(s);
};

/** A page's latest samples, by id, as use. */
const useIn = (latest: Map<string, UsageSample>) => (id: string): Usage | undefined => {
  const s = latest.get(id);
  return s && usageOf(s);
};

/** The latest use of each of these nodes, read in one query (a list's page). */
export const latestUsageOfNodes = (deps: Deps, ids: readonly string[]) => useIn(latestOfNodes(deps.db, ids));

export const latestDeploymentUsage = (deps: Deps, deploymentId: string): Usage | undefined => {
  const s = latestSample(deps.db, { deploymentId });
  return s && usageOf(s);
};

/** The latest use of each of these deployments' containers, read in one query (a list's page). */
export const latestUsageOfDeployments = (deps: Deps, ids: readonly string[]) => useIn(latestOfDeployments(deps.db, ids));

/** Only a shared node's limits matter to other apps; a dedicated node is its own apps' business. */
export const nodeNearCapacity = (node: Pick<Node, "pool">, u: Usage | undefined): Resource[] => (node.pool === "shared" ? nearCapacity(u) : []);

const windows = { "1h": 3600_000, "6h": 6 * 3600_000, "24h": 24 * 3600_000, "7d": SAMPLE_RETENTION_MS } as const;
export type Window = keyof typeof windows;
export const WINDOWS = Object.keys(windows) as Window[];

/** The window asked for (`?window=`), 24 hours by default; anything else names the field. */
export function windowOf(raw: string | undefined): Window {
  if (raw === undefined || raw === "") return "24h";
  if (raw in windows) return raw as Window;
  throw new InvalidInputError([{ field: "window", message: `must be one of ${WINDOWS.join(", ")}` }]);
}

export function samplesIn(deps: Deps, subject: { nodeId: string } | { deploymentId: string }, window: Window, now = new Date()): Usage[] {
  return samplesOf(deps.db, subject, new Date(now.getTime() - windows[window])).map(usageOf);
}

export const usageJson = (u: Usage | undefined) =>
  u
    ? {
        at: u.at.toISOString(),
        cpuPercent: u.cpuPercent,
        memoryBytes: u.memoryBytes,
        memoryTotalBytes: u.memoryTotalBytes,
        memoryPercent: u.memoryPercent,
        diskUsedBytes: u.diskUsedBytes,
        diskTotalBytes: u.diskTotalBytes,
        diskPercent: u.diskPercent,
      }
    : null;

/** A node's charts for its server page: the last 24 hours. */
export function nodeUsageView(deps: Deps, node: Node, window: Window = "24h"): NodeUsageView {
  const latest = latestNodeUsage(deps, node.id);
  return { points: samplesIn(deps, { nodeId: node.id }, window), latest, near: nodeNearCapacity(node, latest), window, lastError: lastMonitorError(deps.db, node.id), intervalSeconds: deps.monitor.intervalSeconds };
}

/** What a node has left of its CPU and memory (percentage points), from one sample. */
export interface Headroom {
  at: string;
  cpuPercent: number | null;
  memoryPercent: number | null;
}

const left = (p: number | null) => (p === null ? null : Math.round(10 * (100 - p)) / 10);

/**
 * A node's headroom measured nearest a moment: its newest sample at or before it (`before`),
 * or its first one after it (`after`); null when the monitor has not sampled it then.
 */
export function headroomNear(deps: Deps, nodeId: string | null, at: Date, side: "before" | "after"): Headroom | null {
  const s = nodeId ? sampleNear(deps.db, { nodeId }, at, side) : undefined;
  if (!s) return null;
  const u = usageOf(s);
  return { at: u.at.toISOString(), cpuPercent: left(u.cpuPercent), memoryPercent: left(u.memoryPercent) };
}
