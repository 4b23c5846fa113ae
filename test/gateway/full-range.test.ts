// When every forwarded SSH port is taken, a create is refused (409 gateway_full, naming the
// setting) and leaves nothing behind: no server, no SSH key; destroying a server frees a port.
import { afterAll, beforeAll, expect, it } from "vitest";
import { releaseDestroyed } from "../../state/gateway-allocations.ts";
import { sshKeys, servers } from "../../state/schema.ts";
import { startBed, waitForStatus, type HetznerBed } from "../support/provisioning.ts";

let bed: HetznerBed;
beforeAll(async () => {
  // The gateway is on but never started: allocating needs only the database.
  bed = await startBed({ HOIST_GATEWAY: "on", HOIST_GATEWAY_SSH_PORTS: "20000-20001" });
});
afterAll(async () => {
  await bed?.close();
});

const count = (table: typeof servers | typeof sshKeys) => bed.console.deps.db.select().from(table).all().length;

it("refuses a server when the gateway's SSH ports are all taken, leaving nothing behind", async () => {
  const made = [await bed.api.post("/servers", bed.serverRequest("first")), await bed.api.post("/servers", bed.serverRequest("second"))];
  expect(made.map((r) => r.status)).toEqual([202, 202]);
  expect(made.map((r) => r.json().server.gateway.sshPort)).toEqual([20000, 20001]);
  const [serversBefore, keysBefore] = [count(servers), count(sshKeys)];

  const refused = await bed.api.post("/servers", bed.serverRequest("third"));
  expect(refused.status).toBe(409);
  expect(refused.json().error).toMatchObject({ code: "gateway_full", message: expect.stringContaining("HOIST_GATEWAY_SSH_PORTS") });
  expect([count(servers), count(sshKeys)]).toEqual([serversBefore, keysBefore]);

  const first = made[0]!.json().server.id as string;
  await bed.api.delete(`/servers/${first}`);
  await waitForStatus(bed, first, ["destroyed"]);
  // The reconciler releases what a destroyed server held; a stopped gateway has no passes, so one is run here.
  releaseDestroyed(bed.console.deps.db);
  const again = await bed.api.post("/servers", bed.serverRequest("third"));
  expect(again.status).toBe(202);
  expect(again.json().server.gateway.sshPort).toBe(20000);
  for (const r of [made[1]!, again]) await bed.api.delete(`/servers/${r.json().server.id}`);
  await bed.console.deps.engine.idle();
});
