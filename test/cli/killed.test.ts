// A `hoist up` killed mid-run (SIGKILL, with the Pulumi processes it started) leaves its operation
// to the console, which takes it over as a dead worker's: the stack recovered, the operation and
// the server failed with "interrupted — retry"; a second `hoist up` then retries and finishes.
import os from "node:os";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findOperation, serverOperations } from "../../state/operations.ts";
import { serverById, updateServer } from "../../state/servers.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";
import { hoist, operationWhere, startHoist } from "./support.ts";

let bed: Bed;
let id: string;
const providerServer = () => bed.hetzner.state.servers().find((s) => s.name === "killed")!;

beforeAll(async () => {
  bed = await startBed();
  id = (await bed.api.post("/servers", bed.serverRequest("killed", { size: "cx22" }))).json().server.id;
  const ready = await waitForStatus(bed, id, ["ready", "failed"]);
  expect(ready.status, ready.errorReason ?? "").toBe("ready");
});
afterAll(async () => {
  await bed?.close();
});

it("leaves a killed hoist up to the console, which recovers it like a dead worker's; hoist up then retries it", async () => {
  updateServer(bed.console.deps.db, id, { size: "cx32" });
  bed.hetzner.faults.set({ kind: "slow-actions", ms: 10_000 });
  const running = startHoist(bed, ["up", "server-killed", "--yes"], "", { ownGroup: true });
  const op = await operationWhere(bed, () => serverOperations(bed.console.deps.db, id).find((o) => o.kind === "up" && o.status === "running"));
  expect(op.params).toMatchObject({ cli: os.userInfo().username });
  // Killed once Pulumi is at the provider (an action of the resize under way).
  await operationWhere(bed, () => (bed.hetzner.state.actions().some((a) => a.status === "running") ? op : undefined));
  process.kill(-running.child.pid!, "SIGKILL");
  expect((await running.done).code).toBeNull();
  bed.hetzner.faults.clear("slow-actions");

  const failed = await waitForStatus(bed, id, ["failed"], 120_000);
  expect(failed.errorCode).toBe("interrupted");
  const taken = findOperation(bed.console.deps.db, op.id)!;
  expect(taken).toMatchObject({ status: "failed" });
  expect(taken.workerId).toBe(bed.console.deps.engine.workerId);
  expect(taken.error).toContain("interrupted");

  const retried = await hoist(bed, ["up", "server-killed", "--yes"]);
  expect(retried.code, retried.stderr).toBe(0);
  expect(retried.stdout).toContain("server-killed: the server is ready.");
  expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");
  expect(providerServer().server_type.name).toBe("cx32");
});
