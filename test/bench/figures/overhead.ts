// Figure 1: what Hoist adds to Pulumi. The same server program with the same inputs, (a) run
// through bare Automation API calls and (b) requested through Hoist's JSON API until ready,
// alternated round by round (a first in odd rounds, b first in even ones) after one untimed
// round of each (--quick: of b alone), at zero action time so that the clouds' waits do not
// hide Hoist's own cost; then (full run only) one round of each at realistic durations. Its
// servers stay up on the shared fleet, for figure 5 to sweep.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { checkServerNode } from "../../../engine/nodes.ts";
import { bareUp, exportTime, serverInputs, type BarePulumi, type BareTimes } from "../bare-pulumi.ts";
import { REALISTIC_TIMES, timesLabel, ZERO_TIMES } from "../durations.ts";
import { hoistUp, type HoistTimes } from "../hoist-up.ts";
import type { Figure, Row } from "../report.ts";
import { ms, percentile, ratio, reasonOf, summarize } from "../stats.ts";

const TARGET = 1.05;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
// Each waits for the cloud (half a minute a round): one of each keeps the whole bench within 20 minutes.
const REALISTIC_ROUNDS = 1;

export const overhead: Figure = {
  id: "overhead",
  title: "1. Overhead over bare Pulumi: one server, request → ready, zero action time",
  fleet: true,
  async run(ctx) {
    const rounds = ctx.rounds ?? (ctx.quick ? 2 : 10);
    const bed = await ctx.fleet({ times: ZERO_TIMES });
    const bare: BarePulumi = { cli: ctx.pulumi, home: ctx.pulumiHome, dir: path.join(ctx.dir, "bare"), passphrase: randomBytes(24).toString("base64url") };
    const a: BareTimes[] = [];
    const b: HoistTimes[] = [];
    let n = 0;
    let firstBare: string | undefined;
    // A server that fails to come up (the shared test bed has its bad moments) is noted and its
    // round run again, at most twice in all.
    const failures: string[] = [];
    const again = async <T>(run: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await run();
        } catch (err) {
          if (failures.length >= 2) throw err;
          failures.push(reasonOf(err));
          ctx.say(`  a round failed, running it again: ${failures.at(-1)}`);
        }
      }
    };
    const runBare = () =>
      again(() => {
        const name = `bare-${++n}`;
        firstBare ??= `server-${name}`;
        return bareUp(bare, `server-${name}`, serverInputs(bed.cloud, name));
      });
    const runHoist = () => again(() => hoistUp(bed, `hoist-${++n}`));
    // The quick run warms up through Hoist alone: the CLI, the plugins and the emulated cloud
    // are the same for both, and what is left to warm on the bare side is one module's load.
    ctx.say(ctx.quick ? "  warming up: one untimed round through Hoist" : "  warming up: one untimed round of each");
    if (!ctx.quick) await runBare();
    const warm = await runHoist();
    for (let i = 1; i <= rounds; i++) {
      if (i % 2) {
        a.push(await runBare());
        b.push(await runHoist());
      } else {
        b.push(await runHoist());
        a.push(await runBare());
      }
      ctx.say(`  round ${i}/${rounds}: bare ${ms(a.at(-1)!.total)}, Hoist ${ms(b.at(-1)!.total)}`);
    }
    // The same at realistic durations, in fewer rounds (each waits for the cloud): the share
    // Hoist adds matters less there, and the figure shows how much less.
    const real = { a: [] as BareTimes[], b: [] as HoistTimes[] };
    if (!ctx.quick) {
      bed.cloud.setTimes(REALISTIC_TIMES[ctx.cloud]);
      for (let i = 1; i <= REALISTIC_ROUNDS; i++) {
        real.a.push(await runBare());
        real.b.push(await runHoist());
        ctx.say(`  realistic round ${i}/${REALISTIC_ROUNDS}: bare ${ms(real.a.at(-1)!.total)}, Hoist ${ms(real.b.at(-1)!.total)}`);
      }
    }
    // What two pieces of Hoist's share cost on their own: one `pulumi stack export` (the engine
    // runs at most one before an up, none before a server's first) and one SSH check of a ready node (the engine runs one before ready).
    const exports: number[] = [];
    for (let i = 0; i < 5; i++) exports.push(await exportTime(bare, firstBare!));
    const checks: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await checkServerNode(bed.console.deps, warm.id);
      checks.push(performance.now() - t0);
    }
    const out = result(a, b, percentile(exports, 50), percentile(checks, 50), real, timesLabel(REALISTIC_TIMES[ctx.cloud]));
    out.notes.push(...failures.map((f) => `a round was run again after a server failed: ${f}`));
    return out;
  },
};

function result(a: BareTimes[], b: HoistTimes[], exportMs: number, checkMs: number, real: { a: BareTimes[]; b: HoistTimes[] }, realLabel: string) {
  const med = (xs: number[]) => percentile(xs, 50);
  const bare = summarize(a.map((x) => x.total));
  const hoist = summarize(b.map((x) => x.total));
  const r = hoist.p50 / bare.p50;
  const rows: Row[] = [
    { measure: `bare Automation API, ${plural(a.length, "round")}`, value: `median ${ms(bare.p50)}, p95 ${ms(bare.p95)}` },
    { measure: `Hoist JSON API, ${plural(b.length, "round")}`, value: `median ${ms(hoist.p50)}, p95 ${ms(hoist.p95)}` },
    { measure: "ratio Hoist / bare (medians)", value: ratio(r), target: `≤ ${TARGET}×`, met: r <= TARGET },
    { measure: "ratio Hoist / bare (p95)", value: ratio(hoist.p95 / bare.p95) },
  ];
  if (real.a.length) {
    const [x, y] = [med(real.a.map((t) => t.total)), med(real.b.map((t) => t.total))];
    rows.push({ measure: `${realLabel}, ${plural(real.a.length, "round")} each: bare | Hoist`, value: `median ${ms(x)} | ${ms(y)}, ratio ${ratio(y / x)}` });
  }
  const phases = [
    ["request → 202 (validation, live catalog, keys, rows)", Number.NaN, med(b.map((x) => x.api))],
    ["queued → started", Number.NaN, med(b.map((x) => x.queued))],
    ["started → first resource step (select, config, CLI, plugins; Hoist: + state checks)", med(a.map((x) => x.select + x.config + x.upStart)), med(b.map((x) => x.preparing))],
    ["first resource step → summary", med(a.map((x) => x.resources)), med(b.map((x) => x.resources))],
    ["summary → ready (outputs; Hoist: + node, SSH check)", med(a.map((x) => x.tail)), med(b.map((x) => x.tail))],
  ] as const;
  const notes = [
    "where the time goes (medians, bare | Hoist):",
    ...phases.map(([what, x, y]) => `  ${what}: ${ms(x)} | ${ms(y)}`),
    `one \`pulumi stack export\` takes ${ms(exportMs)} here (the engine runs at most one before an up, for pending creates, broken resources and the host key, and none before a server's first); one SSH check of a node ${ms(checkMs)}`,
    "bare rounds watch the up's events with a callback that only notes times, as any driver showing progress does",
  ];
  return { rows, notes, data: { bare: a, hoist: b, summaries: { bare, hoist }, ratio: r, exportMs, checkMs, realistic: real } };
}
