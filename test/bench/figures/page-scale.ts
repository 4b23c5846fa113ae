// Figure 4: the lists with a large fleet. 10,000 servers with their nodes (and what each list in
// pages/surfaces.ts seeds: a deployment, a drift report each), written as the rows Hoist would
// have written (test/support/fleet.ts: most ready and online, some failed, stopped or offline,
// on the three clouds), one admin reading them through app.request(): the server time of each
// probe (p50, p95), the bytes it sends, and how much the heap grew during one request after a
// full GC, first at 1,000 rows and then at 10,000 (--quick: at 10,000 only).
import { randomUUID } from "node:crypto";
import v8 from "node:v8";
import vm from "node:vm";
import { insertCredential } from "../../../state/credentials.ts";
import { credentialSecretRef } from "../../../state/sealed-columns.ts";
import { sealJson } from "../../../state/secrets.ts";
import { listUsers } from "../../../state/users.ts";
import { api, apiToken, setupAdmin, startConsole } from "../../support/console.ts";
import { seedFleet } from "../../support/fleet.ts";
import { surfaces } from "../pages/surfaces.ts";
import type { Probe, Seeded, Surface } from "../pages/surface.ts";
import type { Figure, Row } from "../report.ts";
import { kib, ms, percentile, summarize } from "../stats.ts";

const TARGET_P95 = 50;
const FLEET = 10_000;
const FIRST = 1_000;

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

interface Measured {
  surface: string;
  probe: string;
  rows: number;
  p50: number;
  p95: number;
  bytes: number;
  /** The most the heap grew during one request, after a full GC. */
  heapGrowth: number;
}

/** How much one probe asks: timed requests, and requests after a full GC for the heap's growth. */
interface Sampling {
  samples: number;
  heapRounds: number;
}

async function measure(s: Seeded, surface: Surface, probe: Probe, { samples, heapRounds }: Sampling): Promise<Measured> {
  const get = async () => {
    const res = probe.api ? await s.api.get(probe.url) : await s.admin.get(probe.url);
    if (res.status !== 200) throw new Error(`${surface.name} ${probe.label}: ${res.status} ${res.text.slice(0, 200)}`);
    return res.text.length;
  };
  for (let i = 0; i < 3; i++) await get();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    bytes = await get();
    times.push(performance.now() - t0);
  }
  let heapGrowth = 0;
  for (let i = 0; i < heapRounds; i++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    await get();
    heapGrowth = Math.max(heapGrowth, process.memoryUsage().heapUsed - before);
  }
  const sum = summarize(times);
  return { surface: surface.name, probe: probe.label, rows: s.rows, p50: sum.p50, p95: sum.p95, bytes, heapGrowth };
}

export const pageScale: Figure = {
  id: "pages",
  title: `4. Page scale: ${FLEET.toLocaleString("en")} servers with nodes, deployments and drift reports in the database, one admin, through app.request()`,
  async run(ctx) {
    // Quick: fewer requests a probe, and the fleet seeded at once (no 1,000-row pass to compare).
    const sampling: Sampling = ctx.quick ? { samples: 10, heapRounds: 2 } : { samples: 50, heapRounds: 5 };
    // No cloud is reachable: nothing here calls one.
    const t = startConsole({ HOIST_LOG_LEVEL: "warn", HOIST_ENDPOINT_HETZNER: "http://127.0.0.1:9/v1", HOIST_ENDPOINT_DIGITALOCEAN: "http://127.0.0.1:9", HOIST_ENDPOINT_AWS: "http://127.0.0.1:9" });
    try {
      const admin = await setupAdmin(t);
      const s: Seeded = { console: t, admin, api: api(t, await apiToken(admin)), rows: 0 };
      const userId = listUsers(t.deps.db)[0]!.id;
      const credentials: Record<string, string> = {};
      for (const cloud of ["hetzner", "digitalocean", "aws"]) {
        const id = randomUUID();
        insertCredential(t.deps.db, { id, userId, name: cloud, cloud, secret: sealJson(t.deps.keyring, { token: "x" }, credentialSecretRef(id)), settings: {} });
        credentials[cloud] = id;
      }
      const live = surfaces.filter((x): x is Surface => "probes" in x);
      const results: Measured[] = [];
      const seed = (count: number, prefix: string, endAt: number) => {
        const t0 = performance.now();
        seedFleet(t.deps.db, { userId, credentials }, count, { prefix, endAt });
        for (const surface of live) surface.seed?.(s, count);
        s.rows += count;
        ctx.say(`  seeded ${count} servers with nodes, deployments and drift reports in ${ms(performance.now() - t0)} (${s.rows} now)`);
      };
      // The first thousand are the older ones; the other nine thousand come after them.
      if (!ctx.quick) {
        seed(FIRST, "edge", Date.now() - FLEET * 60_000);
        for (const surface of live) for (const probe of (await surface.probes(s)).slice(0, 1)) results.push(await measure(s, surface, probe, sampling));
      }
      seed(FLEET - s.rows, "web", Date.now());
      for (const surface of live) {
        for (const probe of await surface.probes(s)) {
          results.push(await measure(s, surface, probe, sampling));
          const m = results.at(-1)!;
          ctx.say(`  ${m.surface} · ${m.probe}: p50 ${ms(m.p50)}, p95 ${ms(m.p95)}`);
        }
      }
      return report(results, sampling);
    } finally {
      t.close();
    }
  },
};

function report(results: Measured[], { samples, heapRounds }: Sampling) {
  const rows: Row[] = [];
  for (const surface of surfaces) {
    if (!("probes" in surface)) {
      rows.push({ measure: surface.name, value: `not measured: ${surface.pending}` });
      continue;
    }
    const mine = results.filter((r) => r.surface === surface.name);
    const small = mine.find((r) => r.rows === FIRST);
    for (const m of mine.filter((r) => r.rows === FLEET)) {
      rows.push({
        measure: `${m.surface} · ${m.probe}`,
        value: `p50 ${ms(m.p50)}, p95 ${ms(m.p95)}; ${kib(m.bytes)}; heap +${kib(m.heapGrowth)}`,
        target: `p95 < ${TARGET_P95} ms`,
        met: m.p95 < TARGET_P95,
      });
      if (small && m.probe === small.probe) rows.push({ measure: `${m.surface} · ${m.probe}, ${FIRST.toLocaleString("en")} → ${FLEET.toLocaleString("en")} rows`, value: `p50 ${ms(small.p50)} → ${ms(m.p50)}; ${kib(small.bytes)} → ${kib(m.bytes)}` });
    }
  }
  const worst = Math.max(...results.map((r) => r.p95));
  return {
    rows,
    notes: [
      `${samples} timed requests per probe after 3 untimed ones; "heap +" is the most the JS heap grew during one of ${heapRounds} requests, each after a full GC (a bound on what one render holds)`,
      `slowest p95 of all probes: ${ms(worst)}; the median of all p50s: ${ms(percentile(results.map((r) => r.p50), 50))}`,
      "the fleet is seeded as the rows Hoist would have written, a few hundred a statement (test/support/fleet.ts, pages/*.ts): no stack exists and no cloud is called",
    ],
    data: { results, samples, heapRounds, fleet: FLEET },
  };
}
