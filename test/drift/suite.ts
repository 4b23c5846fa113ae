// Drift of servers, the same on every cloud: five ready servers, a sweep that finds none; then,
// out of band through the cloud's own API, one resized and one relabelled, two powered off, one
// deleted; the next sweep reports exactly those drifts with declared vs actual; Accept keeps
// reality (a powered-off server accepted becomes stopped), Restore puts back what is declared (the
// size, the power, a deleted server created again); the following sweep is clean. Each cloud's
// file calls driftSuite; vitest runs the files side by side.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeOfServer } from "../../state/nodes.ts";
import { serverById } from "../../state/servers.ts";
import type { CloudId } from "../support/clouds.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { outOfBand, type OutOfBand } from "./out-of-band.ts";
import { apply, driftByName, openReports, preview, sweep, type ReportJson } from "./support.ts";

/** How each cloud's provider reads the changes back: the server resource's properties, declared → actual. */
export interface DriftExpectations {
  resized: Record<string, [unknown, unknown]>;
  relabelled: Record<string, [unknown, unknown]>;
  poweredOff: Record<string, [unknown, unknown]>;
  /** The property a resize changes in the server resource's inputs (what Restore sets back). */
  sizeProperty: string;
  /** Other resources a deleted server leaves drifted, by name (a firewall that listed it). */
  alsoWhenDeleted?: Record<string, { kind: string; properties: Record<string, [unknown, unknown]> }>;
}

const NAMES = ["resized", "relabelled", "off-restored", "off-accepted", "gone"] as const;

export function driftSuite(cloud: CloudId, expected: DriftExpectations) {
  let bed: Bed;
  let oob: OutOfBand;
  const ids: Record<string, string> = {};
  const providerId = (name: string) => String(serverById(bed.console.deps.db, ids[name]!)!.outputs!.providerId);
  const reportOf = (reports: ReportJson[], name: string) => reports.find((r) => r.subject.name === name)!;

  beforeAll(async () => {
    // Sweeps only when asked (the scheduler's own timing is tested in scheduler.test.ts).
    bed = await startCloudBed(cloud, { HOIST_DRIFT_INTERVAL: "0", HOIST_DRIFT_CONCURRENCY: "3", HOIST_CONCURRENCY: "5" });
    oob = outOfBand(bed.cloud);
    for (const name of NAMES) {
      const res = await bed.api.post("/servers", bed.serverRequest(name));
      expect(res.status, res.text).toBe(202);
      ids[name] = res.json().server.id;
    }
    for (const name of NAMES) {
      const s = await waitForStatus(bed, ids[name]!, ["ready", "failed"], 300_000);
      expect(s.status, s.errorReason ?? "").toBe("ready");
    }
  });
  afterAll(async () => {
    await bed?.close();
  });

  describe(`drift of ${cloud} servers`, () => {
    it("finds none at first, then exactly what was changed out of band, declared vs actual", async () => {
      const clean = await sweep(bed);
      expect(clean.stacks.map((s) => s.stack).sort()).toEqual(NAMES.map((n) => `server-${n}`).sort());
      expect(clean.stacks.every((s) => s.operationId && !s.skipped)).toBe(true);
      expect(await openReports(bed)).toEqual([]);
      expect((await bed.api.get(`/servers/${ids.resized}`)).json().drift).toMatchObject({ state: "clean", reportId: null });

      await oob.resize(providerId("resized"));
      await oob.relabel(providerId("relabelled"));
      await oob.powerOff(providerId("off-restored"));
      await oob.powerOff(providerId("off-accepted"));
      await oob.remove(providerId("gone"));

      await sweep(bed);
      const reports = await openReports(bed);
      expect(driftByName(reports)).toEqual({
        resized: { server: { kind: "changed", properties: expected.resized } },
        relabelled: { server: { kind: "changed", properties: expected.relabelled } },
        "off-restored": { server: { kind: "changed", properties: expected.poweredOff } },
        "off-accepted": { server: { kind: "changed", properties: expected.poweredOff } },
        gone: { server: { kind: "deleted", properties: {} }, ...expected.alsoWhenDeleted },
      });
      const json = (await bed.api.get(`/servers/${ids.gone}`)).json();
      expect(json.drift).toMatchObject({ state: "drifted", reportId: reportOf(reports, "gone").id, summary: { deleted: 1 } });
    }, 600_000);

    // The deleted server comes back as a new machine, possibly at its old address (the test bed
    // leases the lowest free one): its node must be online again all the same.
    it("Accept keeps reality, Restore puts back what is declared, and the following sweep is clean", async () => {
      const reports = await openReports(bed);

      // Accept: the label stays at the provider, and the stack now records it.
      const relabel = await preview(bed, reportOf(reports, "relabelled").id, "accept");
      expect(relabel.plan.steps.map((s) => [s.name, s.op])).toEqual([["server", "update"]]);
      expect((await apply(bed, relabel.id)).state).toBe("accepted");

      // Accepting a power-off: Hoist records the server as stopped, so that Start powers it on.
      const off = await preview(bed, reportOf(reports, "off-accepted").id, "accept");
      expect((await apply(bed, off.id)).state).toBe("accepted");
      expect(serverById(bed.console.deps.db, ids["off-accepted"]!)!.status).toBe("stopped");
      expect(nodeOfServer(bed.console.deps.db, ids["off-accepted"]!)!.state).toBe("offline");

      // Restore a resize: the previewed plan sets the size back, then it runs.
      const resize = await preview(bed, reportOf(reports, "resized").id, "restore");
      const [declared, actual] = expected.resized[expected.sizeProperty]!;
      // (Outputs the update recomputes, and the configure step that reads them, may come along.)
      expect(resize.plan.steps).toContainEqual(expect.objectContaining({ name: "server", op: "update", properties: expect.arrayContaining([expect.objectContaining({ property: expected.sizeProperty, old: actual, new: declared })]) }));
      expect((await apply(bed, resize.id)).state).toBe("restored");

      // Restore a power-off: Hoist powers the server on.
      const power = await preview(bed, reportOf(reports, "off-restored").id, "restore");
      // (Where the cloud gives a restarted server a new address, as EC2 does, the configure step runs again too.)
      expect(power.plan.steps.map((s) => [s.name, s.op])).toContainEqual(["server", "power-on"]);
      expect(power.plan.steps.every((s) => s.op === "power-on" || s.name === "configure")).toBe(true);
      expect((await apply(bed, power.id)).state).toBe("restored");
      expect(nodeOfServer(bed.console.deps.db, ids["off-restored"]!)!.state).toBe("online");

      // Restore a deletion: the server is created again, and its node registered anew.
      const gone = await preview(bed, reportOf(reports, "gone").id, "restore");
      expect(gone.plan.steps.find((s) => s.name === "server")?.op).toBe("create");
      expect((await apply(bed, gone.id, { confirm: "gone" })).state).toBe("restored");
      const again = await waitForStatus(bed, ids.gone!, ["ready"]);
      expect(String(again.outputs!.providerId)).not.toBe("");
      expect(nodeOfServer(bed.console.deps.db, ids.gone!)!.state).toBe("online");

      const servers = await bed.cloud.servers();
      const byNode = (name: string) => servers.find((s) => s.nodeId === serverById(bed.console.deps.db, ids[name]!)!.spec.nodeId);
      expect(NAMES.map((n) => [n, byNode(n)?.running])).toEqual([
        ["resized", true],
        ["relabelled", true],
        ["off-restored", true],
        ["off-accepted", false],
        ["gone", true],
      ]);

      const after = await sweep(bed);
      // The accepted power-off made its server stopped: not checked any more.
      expect(after.stacks.map((s) => s.stack).sort()).toEqual(NAMES.filter((n) => n !== "off-accepted").map((n) => `server-${n}`).sort());
      expect(await openReports(bed)).toEqual([]);
      const closed = (await bed.api.get("/drift?state=closed")).json().reports as ReportJson[];
      expect(Object.fromEntries(closed.map((r) => [r.subject.name, r.state]))).toEqual({ resized: "restored", relabelled: "accepted", "off-restored": "restored", "off-accepted": "accepted", gone: "restored" });
    }, 600_000);
  });
}
