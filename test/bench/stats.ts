// Summaries of timings: percentiles by nearest rank (the value a sample actually had, never an
// interpolation between two), and a few formatters for the tables.

/** The p-th percentile (0–100) of `xs` by nearest rank; NaN for no samples. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

export function summarize(xs: readonly number[]): Summary {
  return { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), min: Math.min(...xs), max: Math.max(...xs) };
}

export const ms = (x: number) => (Number.isNaN(x) ? "—" : x < 10 ? `${x.toFixed(2)} ms` : x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(2)} s`);
export const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;
export const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
export const kib = (bytes: number) => (bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
export const ratio = (x: number) => `${x.toFixed(3)}×`;

/**
 * The reason in an error's message, short enough for a table's note: the first `error:` line of
 * a Pulumi run's output (its message holds the whole of stdout and stderr), else the first line.
 */
export function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = /^\s*error: (.+)$/m.exec(message)?.[1] ?? message.split("\n")[0]!;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
