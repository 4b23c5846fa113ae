// `npm run bench`: how fast Hoist provisions on the test bed, and how much memory the console
// holds while doing it. Prints figures; asserts nothing (targets live here, not in tests).
//
//   npm run bench                  one server up and down 3 times, then 10 servers at once
//   npm run bench -- --rounds 5 --fleet 20 --concurrency 4
//
// The figures measure Hoist with the real Pulumi engine against the emulator and stand-ins, on
// this machine: they compare one version of Hoist with another, not with a real cloud.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { obtainPulumiCli } from "../../engine/pulumi-cli.ts";
import { serverOperations } from "../../state/operations.ts";
import { installStandIns } from "../providers/install.ts";
import { startBedAt, waitForStatus, type Bed } from "../support/bed.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    fleet: { type: "string", default: "10" },
    concurrency: { type: "string", default: "4" },
  },
});
const rounds = Number(args.rounds);
const fleet = Number(args.fleet);
const concurrency = Number(args.concurrency);

const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

async function createServer(bed: Bed, name: string): Promise<string> {
  const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name, region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  if (res.status !== 202) throw new Error(`create ${name}: ${res.status} ${res.text}`);
  return res.json().server.id;
}

async function timed(what: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await what();
  return performance.now() - t0;
}

const pulumi = await obtainPulumiCli({ onProgress: say });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-bench-"));
let bed: Bed | undefined;
try {
  const pulumiHome = path.join(dir, "pulumi-home");
  fs.mkdirSync(pulumiHome);
  await installStandIns(pulumiHome, pulumi);
  bed = await startBedAt(pulumiHome, { HOIST_CONCURRENCY: String(concurrency), HOIST_SERVER_QUOTA: String(fleet + 1), HOIST_SERVER_CHANGE_LIMIT: String(2 * (rounds + fleet)), HOIST_LOG_LEVEL: "warn" });
  const b = bed;
  say(`Hoist bench on the test bed: Pulumi ${pulumi.version}, Node ${process.version}, ${os.cpus().length} cores`);

  // One server at a time: request → ready, ready → destroyed, and the first event's delay.
  const ups: number[] = [];
  const downs: number[] = [];
  const firstEvents: number[] = [];
  for (let i = 1; i <= rounds; i++) {
    let id = "";
    ups.push(
      await timed(async () => {
        id = await createServer(b, `bench-${i}`);
        const s = await waitForStatus(b, id, ["ready", "failed"]);
        if (s.status !== "ready") throw new Error(`bench-${i} failed: ${s.errorReason}`);
      }),
    );
    const [up] = serverOperations(b.console.deps.db, id);
    firstEvents.push(up!.startedAt!.getTime() - up!.createdAt.getTime());
    const del = await timed(async () => {
      await b.api.delete(`/servers/${id}`);
      await waitForStatus(b, id, ["destroyed", "failed"]);
    });
    downs.push(del);
  }
  say(`one server, ${rounds} rounds (median):`);
  say(`  create → ready        ${seconds(median(ups))}   (all: ${ups.map(seconds).join(", ")})`);
  say(`  destroy → destroyed   ${seconds(median(downs))}   (all: ${downs.map(seconds).join(", ")})`);
  say(`  queued → running      ${Math.round(median(firstEvents))} ms`);

  // A fleet at once, under the concurrency limit.
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const ids: string[] = [];
  const all = await timed(async () => {
    for (let i = 1; i <= fleet; i++) ids.push(await createServer(b, `fleet-${i}`));
    const done = await Promise.all(ids.map((id) => waitForStatus(b, id, ["ready", "failed"], 900_000)));
    const failed = done.filter((s) => s.status !== "ready");
    if (failed.length) throw new Error(`${failed.length} of ${fleet} servers failed: ${failed[0]!.errorReason}`);
  });
  clearInterval(sampler);
  say(`${fleet} servers at once, concurrency ${concurrency}:`);
  say(`  all ready             ${seconds(all)}   (${seconds(all / fleet)} a server)`);
  say(`  console process RSS   ${mib(rssBefore)} before, ${mib(peakRss)} at peak (console, emulator and SSH pool in one process; Pulumi runs in its own)`);
  const teardown = await timed(async () => {
    for (const id of ids) await b.api.delete(`/servers/${id}`);
    await Promise.all(ids.map((id) => waitForStatus(b, id, ["destroyed", "failed"], 900_000)));
  });
  say(`  all destroyed         ${seconds(teardown)}`);
} finally {
  await bed?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
