// Small server-rendered SVG charts of what the monitor measured (no client code): CPU, memory and
// disk of a node, CPU and memory of a deployment's container, each with its latest value.
import { When } from "./components.tsx";

export interface Usage {
  at: Date;
  cpuPercent: number;
  memoryBytes: number;
  memoryTotalBytes: number | null;
  memoryPercent: number | null;
  diskUsedBytes: number | null;
  diskTotalBytes: number | null;
  diskPercent: number | null;
}

export type Resource = "cpu" | "memory" | "disk";

export const gb = (bytes: number | null) => (bytes === null ? "—" : bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`);
const pct = (n: number | null) => (n === null ? "—" : `${n.toFixed(n < 10 ? 1 : 0)}%`);

const W = 240;
const H = 48;

/** One resource over time, 0–100%: a line, the latest value beside its name. */
export const Sparkline = (p: { label: string; values: { at: Date; value: number | null }[]; latest: string; near?: boolean }) => {
  const pts = p.values.filter((v): v is { at: Date; value: number } => v.value !== null);
  const t0 = pts[0]?.at.getTime() ?? 0;
  const span = Math.max(1, (pts.at(-1)?.at.getTime() ?? 0) - t0);
  const xy = pts.map((v) => `${(pts.length === 1 ? W : ((v.at.getTime() - t0) / span) * W).toFixed(1)},${(H - (Math.min(100, v.value) / 100) * H).toFixed(1)}`);
  return (
    <figure class={`spark${p.near ? " spark-near" : ""}`}>
      <figcaption>
        {p.label} <strong>{p.latest}</strong>
        {p.near && <span class="badge badge-warn">near capacity</span>}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`${p.label} over time, now ${p.latest}`} preserveAspectRatio="none">
        <line x1="0" y1={H * 0.2} x2={W} y2={H * 0.2} class="spark-limit" />
        {xy.length > 0 && <polyline points={xy.join(" ")} fill="none" />}
      </svg>
    </figure>
  );
};

/** The charts of one subject: a node (with disk) or a container (without). */
export const UsageCharts = (p: { points: Usage[]; latest?: Usage; near?: Resource[]; disk: boolean; now: Date; empty: string; window: string }) => {
  const l = p.latest;
  if (!l) return <p class="muted usage-empty">{p.empty}</p>;
  const near = (r: Resource) => p.near?.includes(r) ?? false;
  return (
    <div class="usage">
      <div class="sparks">
        <Sparkline label="CPU" values={p.points.map((u) => ({ at: u.at, value: u.cpuPercent }))} latest={pct(l.cpuPercent)} near={near("cpu")} />
        <Sparkline label="Memory" values={p.points.map((u) => ({ at: u.at, value: u.memoryPercent }))} latest={`${gb(l.memoryBytes)} of ${gb(l.memoryTotalBytes)} (${pct(l.memoryPercent)})`} near={near("memory")} />
        {p.disk && <Sparkline label="Disk" values={p.points.map((u) => ({ at: u.at, value: u.diskPercent }))} latest={`${gb(l.diskUsedBytes)} of ${gb(l.diskTotalBytes)} (${pct(l.diskPercent)})`} near={near("disk")} />}
      </div>
      <p class="muted small">
        Last {p.window}, {p.points.length} sample{p.points.length === 1 ? "" : "s"}; latest <When at={l.at} now={p.now} />.
      </p>
    </div>
  );
};

/** The latest use in a table cell: CPU · memory · disk, the ones near capacity marked. */
export const UsageCell = (p: { latest?: Usage; near: Resource[] }) => {
  const l = p.latest;
  if (!l) return <span class="muted">not measured yet</span>;
  const part = (r: Resource, label: string, value: string) => <span class={p.near.includes(r) ? "usage-near" : undefined}>{label} {value}</span>;
  return (
    <span class="usage-cell">
      {part("cpu", "CPU", pct(l.cpuPercent))} · {part("memory", "mem", pct(l.memoryPercent))} · {part("disk", "disk", pct(l.diskPercent))}
      {p.near.length > 0 && (
        <div>
          <span class="badge badge-warn" title={`${p.near.join(", ")} at or above the near-capacity mark`}>
            near capacity
          </span>
        </div>
      )}
    </span>
  );
};
