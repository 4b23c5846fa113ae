// A console with its engine running against the test bed: a PULUMI_HOME with the stand-ins
// installed, one emulated cloud (Hetzner unless asked; its actions as long as asked) on real SSH
// hosts, a valid credential for it, and helpers to wait for servers. Free of vitest, so that the benchmarks use it too; tests
// use provisioning.ts.
import type { HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";
import { serverById, type Server } from "../../state/servers.ts";
import type { ServerStatus } from "../../state/statuses.ts";
import { startCloud, type CloudId, type CloudOptions, type EmulatedCloud } from "./clouds.ts";
import { api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "./console.ts";

export interface Bed {
  hosts: HostPool;
  cloud: EmulatedCloud;
  console: TestConsole;
  admin: WebClient;
  api: ReturnType<typeof api>;
  /** A credential of the admin's for the bed's cloud, valid at the emulator. */
  credentialId: string;
  /** Every cloud of the bed (the first is `cloud`) with its credential. */
  clouds: { cloud: EmulatedCloud; credentialId: string }[];
  /** The body of a create request for a server named `name` with that credential. */
  serverRequest(name: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /**
   * Stops the console (its engine, monitor and gateway, then its database) and starts a new one on
   * the same data folder with `env` over the first one's: the same fleet, clouds and hosts, the
   * admin still signed in. `console`, `admin` and `api` are then the new console's.
   */
  restart(env: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** The default bed, on Hetzner, with its emulator's own interface for Hetzner-specific checks. */
export interface HetznerBed extends Bed {
  hetzner: HetznerEmulator;
}

export async function startBedAt(pulumiHome: string, env?: Record<string, string>): Promise<HetznerBed>;
export async function startBedAt(pulumiHome: string, env: Record<string, string>, cloudIds: CloudId[], opts?: CloudOptions): Promise<Bed>;
export async function startBedAt(pulumiHome: string, env: Record<string, string> = {}, cloudIds: CloudId[] = ["hetzner"], opts: CloudOptions = {}): Promise<Bed | HetznerBed> {
  const hosts = await HostPool.create();
  const started = await Promise.all(cloudIds.map((id) => startCloud(id, hosts, opts)));
  const consoleEnv = { ...Object.fromEntries(started.map((c) => [c.endpointEnv, c.url])), HOIST_PULUMI_HOME: pulumiHome, ...env };
  const t = startConsole(consoleEnv);
  await t.deps.engine.start();
  const admin = await setupAdmin(t);
  const token = await apiToken(admin);
  const client = api(t, token);
  const clouds = [];
  for (const cloud of started) {
    const cred = await client.post("/credentials", { name: cloud.id, provider: cloud.id, ...cloud.credential });
    if (cred.status !== 201) throw new Error(`the bed's ${cloud.id} credential was refused: ${cred.text}`);
    clouds.push({ cloud, credentialId: cred.json().id as string });
  }
  const [{ cloud, credentialId }] = clouds as [(typeof clouds)[number]];
  const stop = async (c: TestConsole) => {
    // A bed whose test started the monitor stops it first (it does nothing otherwise).
    await c.deps.monitor.stop();
    await c.deps.engine.stop();
    // A bed whose test started the gateway stops it with the console (nothing otherwise).
    await c.deps.gateway.stop();
  };
  const bed: Bed = {
    hosts,
    cloud,
    ...("emulator" in cloud && { hetzner: cloud.emulator as HetznerEmulator }),
    console: t,
    admin,
    api: client,
    credentialId,
    clouds,
    serverRequest: (name, extra = {}) => ({ credentialId, name, ...cloud.server, ...extra }),
    async restart(more) {
      await stop(bed.console);
      bed.console.stop();
      const next = startConsole({ ...consoleEnv, ...more }, bed.console.dataDir);
      await next.deps.engine.start();
      const web = next.client();
      for (const [k, v] of bed.admin.cookies) web.cookies.set(k, v);
      web.csrf = bed.admin.csrf;
      Object.assign(bed, { console: next, admin: web, api: api(next, token) });
    },
    async close() {
      await stop(bed.console);
      bed.console.close();
      await Promise.all(started.map((c) => c.stop()));
      await hosts.close();
    },
  };
  return bed;
}

/** Waits until the server reaches one of `statuses` (or throws after `ms`). */
export async function waitForStatus(bed: Bed, serverId: string, statuses: ServerStatus[], ms = 120_000): Promise<Server> {
  const until = Date.now() + ms;
  for (;;) {
    const s = serverById(bed.console.deps.db, serverId)!;
    if (statuses.includes(s.status)) return s;
    if (Date.now() > until) throw new Error(`server ${s.name} is ${s.status} (${s.errorReason ?? "no error"}), expected ${statuses.join(" or ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
