// `npm run bench`: how Hoist performs on the test bed, each figure beside its target, in one
// run: the overhead over bare Pulumi, concurrency, the live view's latency, the pages at scale,
// the drift sweep and the operator's journey (figures.ts). One table per figure on stdout,
// progress on stderr, and JSON per figure in test/artifacts/bench/. Benchmarks assert nothing.
//
//   npm run bench                      every figure in full (aimed at 20 minutes on 2 cores; README "Performance")
//   npm run bench -- --quick           a smaller subset of each (a few minutes)
//   npm run bench -- --only overhead,pages
//   npm run bench -- --cloud digitalocean --rounds 5
//
// The figures measure Hoist with the real Pulumi engine against the emulators and provider
// stand-ins on this machine: they compare versions of Hoist, and Hoist with bare Pulumi on the
// same bed, not Hoist with a real cloud.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { obtainPulumiCli } from "../../engine/pulumi-cli.ts";
import { installStandIns } from "../providers/install.ts";
import { CLOUD_IDS, type CloudId } from "../support/clouds.ts";
import { benchBed, fleetBeds, type BedOptions, type BenchContext } from "./context.ts";
import { figures } from "./figures.ts";
import { describeMachine, machineLine } from "./machine.ts";
import { formatTable, writeJson, type FigureResult } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    cloud: { type: "string", default: "hetzner" },
    rounds: { type: "string" },
  },
});
const cloud = args.cloud as CloudId;
if (!CLOUD_IDS.includes(cloud)) throw new Error(`--cloud must be one of ${CLOUD_IDS.join(", ")}`);
const only = args.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((id) => !figures.some((f) => f.id === id));
if (unknown?.length) throw new Error(`--only: no figure ${unknown.join(", ")}; the figures are ${figures.map((f) => f.id).join(", ")}`);
const rounds = args.rounds === undefined ? undefined : Number(args.rounds);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) throw new Error("--rounds must be a whole number above 0");

const out = path.resolve(fileURLToPath(new URL("../artifacts/bench", import.meta.url)));
const say = (line: string) => process.stderr.write(`${line}\n`);
const print = (text: string) => process.stdout.write(`${text}\n`);

const started = performance.now();
const pulumi = await obtainPulumiCli({ onProgress: say });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-bench-"));
try {
  const pulumiHome = path.join(dir, "pulumi-home");
  fs.mkdirSync(pulumiHome);
  await installStandIns(pulumiHome, pulumi);
  const machine = describeMachine(String(pulumi.version));
  const bed = (opts: BedOptions) => benchBed(pulumiHome, cloud, opts);
  const shared = fleetBeds(bed);
  const ctx: BenchContext = { quick: args.quick, cloud, rounds, pulumi, pulumiHome, dir, say, bed, fleet: shared.fleet };
  print(`Hoist bench${args.quick ? " (--quick)" : ""} on the test bed (${cloud}): ${machineLine(machine)}\n`);
  for (const figure of figures.filter((f) => !only || only.includes(f.id))) {
    if (!figure.fleet) await shared.close();
    say(`— ${figure.title}`);
    const t0 = performance.now();
    const at = new Date();
    // A figure that breaks (a server that failed to come up) says why; the others still run.
    const result = await figure.run(ctx).catch((err: Error): FigureResult => {
      process.exitCode = 1;
      say(err.stack ?? String(err));
      return { rows: [{ measure: "—", value: `failed: ${err.message.split("\n")[0]}` }], failed: err.message };
    });
    const secs = (performance.now() - t0) / 1000;
    print(formatTable(figure.title, result) + `\n  (${secs.toFixed(0)} s)\n`);
    writeJson(out, figure, result, { machine, quick: args.quick, startedAt: at, seconds: Number(secs.toFixed(1)) });
  }
  await shared.close();
  print(`All figures in ${((performance.now() - started) / 60_000).toFixed(1)} min; JSON in ${path.relative(process.cwd(), out)}/`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
