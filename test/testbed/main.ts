// `npm run testbed`: Hoist against emulated clouds on this one machine, for trying it without a
// cloud account. Starts the Hetzner, DigitalOcean and AWS (moto) emulators with real SSH hosts,
// a PULUMI_HOME holding the provider stand-ins, and the console exactly as `npm start` runs it,
// wired to the emulators through the operator's own settings (HOIST_ENDPOINT_<CLOUD>,
// HOIST_PULUMI_HOME, HOIST_DATA_DIR). Ctrl-C stops all of it.
//
// The clouds are kept with the console's data: each emulator's state in .testbed/clouds, each
// server's root filesystem, host key and address in .testbed/hosts, so a restart finds the
// servers Hoist shows as they were (running ones running again).
//
//   npm run testbed             (state kept in ./.testbed between runs)
//   npm run testbed -- --reset  (start over: a new account, no servers)
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { obtainPulumiCli } from "../../engine/pulumi-cli.ts";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { startAwsEmulator } from "../emulators/aws/front.ts";
import { startDigitalOceanEmulator } from "../emulators/digitalocean/emulator.ts";
import { startHetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { chrootProblem } from "../emulators/host-keep.ts";
import { HostPool, testbedBase } from "../emulators/hosts.ts";
import { installStandIns } from "../providers/install.ts";
import { RUN_ENV } from "../setup/leftovers.ts";
import { banner } from "./banner.ts";
import { startConsole, stopStaleConsole } from "./console.ts";
import { seed } from "./seed.ts";
import { findStragglers, killStragglers } from "./stragglers.ts";

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bedDir = path.join(repoDir, ".testbed");
const files = {
  data: path.join(bedDir, "data"),
  pulumiHome: path.join(bedDir, "pulumi-home"),
  password: path.join(bedDir, "admin-password"),
  consoleLog: path.join(bedDir, "console.log"),
  consolePid: path.join(bedDir, "console.pid"),
  clouds: path.join(bedDir, "clouds"),
  hosts: path.join(bedDir, "hosts"),
};

/**
 * Where the servers are kept: .testbed/hosts, unless a folder above it is one sshd's
 * ChrootDirectory refuses (not root-owned, or group-writable); then under the test bed's base.
 */
function hostsFolder(): string {
  const problem = chrootProblem(files.hosts);
  if (!problem) return files.hosts;
  const elsewhere = path.join(testbedBase, `kept-${createHash("sha256").update(bedDir).digest("hex").slice(0, 12)}`);
  say(`servers are kept in ${elsewhere}, not .testbed/hosts: ${problem}`);
  return elsewhere;
}

const say = (line: string) => process.stderr.write(`testbed: ${line}\n`);

// Everything started so far, stopped in reverse order; a step that finishes after shutdown began
// is stopped at once.
const stops: { what: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;
function started<T>(what: string, thing: T, stop: (t: T) => Promise<void>): T {
  const entry = { what, stop: () => stop(thing) };
  if (stopping) void entry.stop().catch(() => {});
  else stops.push(entry);
  return thing;
}

// Every process this run starts inherits the mark, so the final check can find stragglers.
const runId = `testbed-${process.pid}-${randomBytes(4).toString("hex")}`;
process.env[RUN_ENV] = runId;

let poolDir: string | undefined;
const stragglers = () => findStragglers({ runId, pulumiHome: files.pulumiHome, poolDir });

async function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    const anything = stops.length > 0;
    if (anything) say("stopping…");
    const deadline = setTimeout(() => {
      say("still stopping after 30 s; killing what is left");
      killStragglers(stragglers());
      process.exit(code || 1);
    }, 30_000);
    for (const { what, stop } of stops.reverse()) {
      await stop().catch((err: Error) => say(`stopping ${what}: ${err.message}`));
    }
    const left = stragglers();
    if (left.length > 0) {
      killStragglers(left);
      say(`ended ${left.length} process(es) still running: ${left.map((p) => `${p.kind} ${p.pid}`).join(", ")}`);
    }
    clearTimeout(deadline);
    if (anything) say("stopped; state kept in .testbed (npm run testbed -- --reset starts over)");
  })();
  await stopping;
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));
process.on("uncaughtException", (err) => {
  say(`unexpected error: ${err.stack ?? err.message}`);
  void shutdown(1);
});
process.on("unhandledRejection", (err) => {
  say(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  void shutdown(1);
});

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The console's environment: the caller's, with the test bed's data folder, PULUMI_HOME and endpoints. */
function consoleEnv(endpoints: { hetzner: string; digitalocean: string; aws: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Settings that would point the test bed at a real installation's key, state or clouds.
    if (/^HOIST_(MASTER_KEY|MASTER_KEY_FILE|PULUMI_BACKEND|DATA_DIR|PULUMI_HOME|ENDPOINT_.*)$/.test(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    HOIST_DATA_DIR: files.data,
    HOIST_PULUMI_HOME: files.pulumiHome,
    HOIST_ENDPOINT_HETZNER: endpoints.hetzner,
    HOIST_ENDPOINT_DIGITALOCEAN: endpoints.digitalocean,
    HOIST_ENDPOINT_AWS: endpoints.aws,
    // The test bed's own apps (local images; no registry is reachable here) beside the marketplace's.
    HOIST_CATALOG_DIRS: [env.HOIST_CATALOG_DIRS, path.join(repoDir, "test/catalog")].filter(Boolean).join(":"),
    // Only the stand-ins in HOIST_PULUMI_HOME: never reach out for an official plugin.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(
      "usage: npm run testbed [-- --reset]\n  --reset  forget the test bed's account, credentials, clouds and servers (.testbed/data, clouds, hosts)\n",
    );
    return;
  }
  await stopStaleConsole(files.consolePid, files.data);
  if (args.includes("--reset")) {
    fs.rmSync(files.data, { recursive: true, force: true });
    fs.rmSync(files.password, { force: true });
    // The servers go below: with no cloud left to claim them, the pool discards every one.
    fs.rmSync(files.clouds, { recursive: true, force: true });
    say("reset: .testbed/data and .testbed/clouds removed; kept servers are deleted as the clouds start");
  }
  fs.mkdirSync(files.data, { recursive: true, mode: 0o700 });
  fs.mkdirSync(files.pulumiHome, { recursive: true });

  // Fail on a bad setting or a busy port now, not after half a minute of starting clouds.
  const probe = loadConfig(consoleEnv({ hetzner: "http://127.0.0.1", digitalocean: "http://127.0.0.1", aws: "http://127.0.0.1" }), repoDir);
  const bind = probe.bind === "0.0.0.0" || probe.bind === "::" ? "127.0.0.1" : probe.bind;
  if (!(await portFree(probe.bind, probe.port))) throw new ConfigError(`port ${probe.port} on ${probe.bind} is in use; set HOIST_PORT`);
  const consoleUrl = `http://${bind.includes(":") ? `[${bind}]` : bind}:${probe.port}`;

  const pulumi = (async () => {
    const cli = await obtainPulumiCli({ onProgress: say });
    say(`Pulumi CLI v${cli.version} at ${cli.command}`);
    const installed = await installStandIns(files.pulumiHome, cli);
    say(`provider stand-ins in .testbed/pulumi-home: ${installed.map((s) => `${s.name} v${s.version}`).join(", ")}`);
  })();
  const clouds = (async () => {
    const hosts = started("SSH hosts", await HostPool.create(testbedBase, { keep: hostsFolder() }), (h) => h.close());
    poolDir = hosts.dir;
    const [hetzner, digitalocean, aws] = await Promise.all([
      startHetznerEmulator({ hosts, docker: true, stateFile: path.join(files.clouds, "hetzner.json") }).then((e) => started("Hetzner emulator", e, (x) => x.stop())),
      startDigitalOceanEmulator({ hosts, docker: true, stateFile: path.join(files.clouds, "digitalocean.json") }).then((e) =>
        started("DigitalOcean emulator", e, (x) => x.stop()),
      ),
      startAwsEmulator({ hosts, docker: true, stateDir: path.join(files.clouds, "aws") }).then((e) => started("AWS emulator", e, (x) => x.stop())),
    ]);
    // Kept servers no cloud claimed: their cloud's state is gone (a reset, a removed file).
    const discarded = await hosts.discardUnrestored();
    if (discarded.length > 0) say(`deleted ${discarded.length} kept server(s) no cloud has any more: ${discarded.join(", ")}`);
    const back = hosts.list();
    say(`emulated clouds up: Hetzner Cloud, DigitalOcean, AWS (moto)${back.length ? `; ${back.length} kept server(s) back, ${back.filter((h) => h.running).length} running` : ""}`);
    return { hosts, hetzner, digitalocean, aws };
  })();
  const [{ hosts, hetzner, digitalocean, aws }] = await Promise.all([clouds, pulumi]);
  if (stopping) return;

  const env = consoleEnv({ hetzner: hetzner.url, digitalocean: digitalocean.url, aws: aws.url });
  const log = fs.createWriteStream(files.consoleLog, { flags: "a" });
  const account = await seed(
    loadConfig(env, repoDir),
    {
      hetzner: { token: hetzner.token },
      digitalocean: { token: digitalocean.token },
      aws: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, region: aws.region },
    },
    { passwordFile: files.password, log },
  ).finally(() => log.end());
  if (stopping) return;

  say("starting the console (server/main.ts, as npm start runs it)…");
  started(
    "console",
    await startConsole({
      repoDir,
      env,
      url: consoleUrl,
      logFile: files.consoleLog,
      pidFile: files.consolePid,
      onProblem: (line) => {
        if (!stopping) say(`console: ${line}`);
      },
    }),
    (c) => c.stop(),
  );
  if (stopping) return;

  process.stdout.write(
    banner({
      consoleUrl,
      account,
      passwordFile: path.relative(process.cwd(), files.password),
      consoleLog: path.relative(process.cwd(), files.consoleLog),
      clouds: [
        { name: "Hetzner Cloud", api: hetzner.url, control: new URL("/_emulator", hetzner.url).href },
        { name: "DigitalOcean", api: digitalocean.url, control: new URL("/_emulator", digitalocean.url).href },
        { name: `AWS (moto, ${aws.region})`, api: aws.url, control: new URL("/_emulator", aws.url).href },
      ],
      hostsDir: hosts.dir,
    }),
  );
}

main().catch((err: Error) => {
  const debug = /^(debug|trace)$/.test(process.env.HOIST_LOG_LEVEL ?? "");
  say(debug ? (err.stack ?? err.message) : err.message);
  void shutdown(1);
});
