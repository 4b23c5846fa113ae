// Action durations on each emulated cloud, set through the clouds' one face (startCloud's times,
// then setTimes): a server is not running before its create has taken its time, and what is set
// later applies to the actions that start later. The benchmarks run the clouds at zero and at
// realistic durations this way. Nothing here measures time: the long durations are far longer
// than a test runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "./hosts.ts";
import { CLOUD_IDS, startCloud, type EmulatedCloud } from "../support/clouds.ts";
import type { HetznerEmulator } from "./hetzner/emulator.ts";

const TEN_MINUTES = 600_000;

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const until = Date.now() + 60_000; ; ) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`still not true: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(CLOUD_IDS)("%s", (id) => {
  let hosts: HostPool;
  let cloud: EmulatedCloud;

  beforeAll(async () => {
    hosts = await HostPool.create();
    cloud = await startCloud(id, hosts, { times: { createMs: TEN_MINUTES } });
  });

  afterAll(async () => {
    await cloud?.stop();
    await hosts?.close();
  });

  const running = async (serverId: string) => (await cloud.servers()).find((s) => s.id === serverId)?.running ?? false;

  it("keeps a new server from running until its create has taken its time, and applies times set later to later creates", async () => {
    const slow = await cloud.createForeign("slow-1");
    expect(await running(slow)).toBe(false);
    cloud.setTimes({ createMs: 0 });
    const quick = await cloud.createForeign("quick-1");
    await eventually("the second server runs", () => running(quick));
    expect(await running(slow)).toBe(false);
  });
});

describe("Hetzner's delete_server action", () => {
  let hosts: HostPool;
  let cloud: EmulatedCloud & { emulator?: HetznerEmulator };

  beforeAll(async () => {
    hosts = await HostPool.create();
    cloud = await startCloud("hetzner", hosts, { times: { createMs: 0, deleteMs: TEN_MINUTES, otherMs: 0 } });
  });

  afterAll(async () => {
    await cloud?.stop();
    await hosts?.close();
  });

  it("runs as long as deleteMs, other commands as long as otherMs", async () => {
    const emu = cloud.emulator!;
    const call = (method: string, path: string) => fetch(`${emu.url}${path}`, { method, headers: { authorization: `Bearer ${emu.token}` } }).then((r) => r.json() as Promise<any>);
    const a = Number(await cloud.createForeign("a"));
    const b = Number(await cloud.createForeign("b"));
    await eventually("both run", async () => (await cloud.servers()).filter((s) => s.running).length === 2);
    const slow = (await call("DELETE", `/servers/${a}`)).action;
    expect(slow).toMatchObject({ command: "delete_server", status: "running" });
    cloud.setTimes({ deleteMs: 0 });
    const quick = (await call("DELETE", `/servers/${b}`)).action;
    await eventually("the second delete finishes", async () => (await call("GET", `/actions/${quick.id}`)).action.status === "success");
    expect((await call("GET", `/actions/${slow.id}`)).action).toMatchObject({ status: "running" });
    expect((await cloud.servers()).map((s) => Number(s.id))).toEqual([a]);
    expect(emu.timing).toEqual({ actionMs: 0, commandMs: { create_server: 0, delete_server: 0 } });
  });
});
