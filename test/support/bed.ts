// A console with its engine running against the test bed: a PULUMI_HOME with the stand-ins
// installed, a Hetzner emulator on real SSH hosts, and helpers to wait for servers. Free of
// vitest, so that the benchmarks use it too; tests use provisioning.ts.
import { startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";
import { serverById, type Server } from "../../state/servers.ts";
import type { ServerStatus } from "../../state/statuses.ts";
import { api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "./console.ts";

export interface Bed {
  hosts: HostPool;
  hetzner: HetznerEmulator;
  console: TestConsole;
  admin: WebClient;
  api: ReturnType<typeof api>;
  /** A Hetzner credential of the admin's, valid at the emulator. */
  credentialId: string;
  close(): Promise<void>;
}

export async function startBedAt(pulumiHome: string, env: Record<string, string> = {}): Promise<Bed> {
  const hosts = await HostPool.create();
  const hetzner = await startHetznerEmulator({ hosts });
  const t = startConsole({ HOIST_ENDPOINT_HETZNER: hetzner.url, HOIST_PULUMI_HOME: pulumiHome, ...env });
  await t.deps.engine.start();
  const admin = await setupAdmin(t);
  const client = api(t, await apiToken(admin));
  const cred = await client.post("/credentials", { name: "hetzner", provider: "hetzner", token: hetzner.token });
  return {
    hosts,
    hetzner,
    console: t,
    admin,
    api: client,
    credentialId: cred.json().id,
    async close() {
      await t.deps.engine.stop();
      t.close();
      await hetzner.stop();
      await hosts.close();
    },
  };
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
