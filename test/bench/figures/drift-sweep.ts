// Figure 5: a drift sweep. The ready server stacks of the shared fleet (figures 1 and 2 leave
// about a hundred; servers are created through Hoist's JSON API at zero action time until there
// are at least 100, --quick 6) are (a) checked by the drift scheduler in one sweep asked for as
// an admin does (POST /drift/sweeps), at HOIST_DRIFT_CONCURRENCY 4, and (b) each given one bare
// Automation API refresh preview, four at once (bare-refresh.ts): half of the stacks before the
// sweep and the other half after it, so that the machine's load drifting during the run weighs
// on both. The sweep's total time, the time per stack (p50/p95) and their ratio, and the peak
// memory of each. Nothing drifted, so a check is only the refresh preview and its report.
import { eq } from "drizzle-orm";
import { itemsOf, recentSweeps, type Sweep } from "../../../state/drift-sweeps.ts";
import { eventsAfter, findOperation, type Operation } from "../../../state/operations.ts";
import { servers } from "../../../state/schema.ts";
import type { Bed } from "../../support/bed.ts";
import { bareRefresh, pool, type BareRefreshTimes } from "../bare-refresh.ts";
import { ZERO_TIMES } from "../durations.ts";
import { requestServer, untilReady } from "../hoist-up.ts";
import { sampleMemory, type MemoryPeaks } from "../memory.ts";
import type { Figure, Row } from "../report.ts";
import { mib, ms, percentile, ratio, reasonOf, seconds, summarize } from "../stats.ts";

const TARGET = 1.1;
const PARALLELISM = 4;
/** Servers created at once while seeding (figure 2's last limit): more than the sweep's 4, so that seeding takes less of the run. */
const SEED_CONCURRENCY = 10;

interface Check {
  stack: string;
  /** Started → finished: what is compared with a bare refresh preview. */
  running: number;
  /** Enqueued by the sweep → started by the engine. */
  queued: number;
  /** Started → first refresh step (stack selection, config, CLI, program and plugins starting). */
  start: number;
  /** First refresh step → summary. */
  resources: number;
  /** Summary → finished (drift read, report recorded, operation ended). */
  tail: number;
  status: string;
}

const readyStacks = (bed: Bed) =>
  bed.console.deps.db.select({ stack: servers.stack }).from(servers).where(eq(servers.status, "ready")).all().map((s) => s.stack);

/** Creates `n` servers at once and waits until each is ready or failed; why those that failed did. */
async function seed(bed: Bed, n: number): Promise<string[]> {
  const requested = await Promise.all(Array.from({ length: n }, (_, i) => requestServer(bed, `drift-${i + 1}`)));
  const settled = await Promise.allSettled(requested.map((r) => untilReady(bed, r.id, r.operationId)));
  return settled.flatMap((x) => (x.status === "rejected" ? [reasonOf(x.reason)] : []));
}

/** Asks for a sweep and resolves with it once it has finished. */
async function sweep(bed: Bed): Promise<{ sweep: Sweep; ms: number }> {
  const db = bed.console.deps.db;
  const before = new Set(recentSweeps(db).map((s) => s.id));
  const t0 = performance.now();
  const res = await bed.api.post("/drift/sweeps", {});
  if (res.status !== 202) throw new Error(`POST /drift/sweeps: ${res.status} ${res.text}`);
  for (;;) {
    const s = recentSweeps(db).find((x) => !before.has(x.id));
    if (s?.finishedAt) return { sweep: s, ms: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, 50));
  }
}

function checkOf(bed: Bed, op: Operation): Check {
  const events = eventsAfter(bed.console.deps.db, op.id, 0, 1000);
  const at = (pick: (e: (typeof events)[number]) => boolean) => events.find(pick)?.at.getTime() ?? Number.NaN;
  const [started, finished] = [op.startedAt!.getTime(), op.finishedAt!.getTime()];
  const first = at((e) => e.type === "resource" && e.payload.phase === "started");
  const summary = at((e) => e.type === "summary");
  return { stack: op.stack, running: finished - started, queued: started - op.createdAt.getTime(), start: first - started, resources: summary - first, tail: finished - summary, status: op.status };
}

export const driftSweep: Figure = {
  id: "drift-sweep",
  title: `5. Drift sweep: ready server stacks checked at parallelism ${PARALLELISM}, per stack against a bare previewRefresh`,
  fleet: true,
  async run(ctx) {
    const n = ctx.quick ? 6 : 100;
    const bed = await ctx.fleet({ times: ZERO_TIMES, concurrency: SEED_CONCURRENCY, env: { HOIST_DRIFT_INTERVAL: "0", HOIST_DRIFT_CONCURRENCY: String(PARALLELISM) } });
    const inherited = readyStacks(bed).length;
    const t0 = performance.now();
    let seedFailures: string[] = [];
    if (inherited < n) {
      ctx.say(`  ${inherited} ready servers on the fleet; creating ${n - inherited} through the JSON API (concurrency ${SEED_CONCURRENCY}, zero action time)`);
      seedFailures = await seed(bed, n - inherited);
    }
    const seedMs = performance.now() - t0;
    const stacks = readyStacks(bed);
    ctx.say(`  ${stacks.length} ready stacks (${inherited} from the figures before, ${stacks.length - inherited} created in ${seconds(seedMs)})${seedFailures.length ? `; ${seedFailures.length} failed: ${seedFailures[0]}` : ""}`);
    if (!stacks.length) throw new Error(`no server came up: ${seedFailures[0]}`);
    const settings = await bed.console.deps.engine.pulumi();
    const bareDir = `${ctx.dir}/bare-refresh`;
    ctx.say("  warming up: one untimed bare refresh preview");
    await bareRefresh(settings, bareDir, stacks[0]!);

    // One bare preview a stack: every other one before Hoist's sweep, the rest after it.
    const bareSweep = async (which: string, half: string[]) => {
      ctx.say(`  bare (${which}): ${half.length} refresh previews, ${PARALLELISM} at once`);
      const memory = sampleMemory();
      const b0 = performance.now();
      const times = await pool(half, PARALLELISM, (s) => bareRefresh(settings, bareDir, s));
      const run = { times, ms: performance.now() - b0, memory: memory.stop() };
      ctx.say(`  bare (${which}): ${seconds(run.ms)}`);
      return run;
    };
    const before = await bareSweep("before", stacks.filter((_, i) => i % 2 === 0));
    ctx.say("  Hoist: one sweep asked for through the JSON API");
    const memory = sampleMemory();
    const hoist = await sweep(bed);
    const hoistMemory = memory.stop();
    ctx.say(`  Hoist sweep: ${seconds(hoist.ms)}`);
    const after = await bareSweep("after", stacks.filter((_, i) => i % 2 === 1));
    const items = itemsOf(hoist.sweep);
    const checks = items.flatMap((i) => (i.operationId ? [checkOf(bed, findOperation(bed.console.deps.db, i.operationId)!)] : []));
    const skipped = items.filter((i) => i.skipped).map((i) => `${i.stack}: ${i.skipped}`);
    return result({
      n: stacks.length,
      inherited,
      seedMs,
      seedFailures,
      bare: [...before.times, ...after.times],
      bareMs: before.ms + after.ms,
      bareMemory: before.memory.totalRss > after.memory.totalRss ? before.memory : after.memory,
      checks,
      hoistMs: hoist.ms,
      hoistMemory,
      skipped,
    });
  },
};

interface Measured {
  /** The ready stacks swept, of which `inherited` were there from the figures before. */
  n: number;
  inherited: number;
  seedMs: number;
  seedFailures: string[];
  /** One preview a stack, half before Hoist's sweep and half after it; `bareMs` their two totals summed. */
  bare: BareRefreshTimes[];
  bareMs: number;
  bareMemory: MemoryPeaks;
  checks: Check[];
  hoistMs: number;
  hoistMemory: MemoryPeaks;
  skipped: string[];
}

const memoryLine = (m: MemoryPeaks) => `RSS ${mib(m.ownRss)} + Pulumi ${mib(m.pulumiRss)} (${m.pulumiProcesses} procs)`;

function result(m: Measured) {
  const med = (xs: number[]) => percentile(xs, 50);
  const bare = summarize(m.bare.map((x) => x.total));
  const hoist = summarize(m.checks.map((x) => x.running));
  const r = hoist.p50 / bare.p50;
  const failed = m.checks.filter((c) => c.status !== "succeeded");
  const rows: Row[] = [
    {
      measure: `ready stacks: left by figures 1 and 2 + created here (at once, concurrency ${SEED_CONCURRENCY}, zero action time)`,
      value: `${m.n}: ${m.inherited} + ${m.n - m.inherited} in ${seconds(m.seedMs)}`,
      note: m.seedFailures.length ? `${m.seedFailures.length} failed: ${m.seedFailures[0]}` : undefined,
    },
    { measure: `Hoist sweep of ${m.checks.length} stacks at parallelism ${PARALLELISM}: total`, value: seconds(m.hoistMs), note: failed.length || m.skipped.length ? `${failed.length} checks did not succeed, ${m.skipped.length} skipped${m.skipped[0] ? `: ${m.skipped[0]}` : ""}` : undefined },
    { measure: `bare previewRefresh of the same ${m.bare.length} stacks, ${PARALLELISM} at once: total (half before Hoist's sweep, half after)`, value: seconds(m.bareMs) },
    { measure: "per stack, Hoist check (started → finished)", value: `p50 ${ms(hoist.p50)}, p95 ${ms(hoist.p95)}` },
    { measure: `per stack, bare (select → preview's end), ${m.bare.length} previews`, value: `p50 ${ms(bare.p50)}, p95 ${ms(bare.p95)}` },
    { measure: "ratio per stack Hoist / bare (p50)", value: ratio(r), target: `≤ ${TARGET}×`, met: r <= TARGET },
    { measure: "ratio per stack Hoist / bare (p95)", value: ratio(hoist.p95 / bare.p95) },
    { measure: "ratio of the sweeps' totals Hoist / bare", value: ratio(m.hoistMs / m.bareMs) },
    { measure: "peak memory, Hoist sweep", value: memoryLine(m.hoistMemory) },
    { measure: "peak memory, bare (the larger half)", value: memoryLine(m.bareMemory) },
  ];
  const notes = [
    "where the time of one stack goes (medians, bare | Hoist):",
    `  enqueued by the sweep → started: — | ${ms(med(m.checks.map((c) => c.queued)))}`,
    `  → first refresh step (select; Hoist: + config, written only if changed; CLI, program, plugins): ${ms(med(m.bare.map((b) => b.select + b.start)))} | ${ms(med(m.checks.map((c) => c.start)))}`,
    `  first refresh step → summary: ${ms(med(m.bare.map((b) => b.resources)))} | ${ms(med(m.checks.map((c) => c.resources)))}`,
    `  summary → end (Hoist: drift read, report recorded, operation ended): ${ms(med(m.bare.map((b) => b.tail)))} | ${ms(med(m.checks.map((c) => c.tail)))}`,
    "the bare previews of every other stack ran before Hoist's sweep and those of the rest after it, on the same console's stacks and backend; RSS is the bench's own process (console, emulator, SSH hosts' supervisor), Pulumi the CLIs, language hosts and plugins",
  ];
  return { rows, notes, data: { ...m, summaries: { bare, hoist }, ratio: r } };
}
