// Operations against the test bed: what happens when things overlap or are interrupted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeOfServer } from "../../state/nodes.ts";
import { serverOperations } from "../../state/operations.ts";
import { serverById } from "../../state/servers.ts";
import { makeToken } from "../emulators/hetzner/emulator.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({ HOIST_SERVER_QUOTA: "3" });
});
afterAll(async () => {
  await bed?.close();
});

async function create(name: string, credentialId = bed.credentialId): Promise<string> {
  const res = await bed.api.post("/servers", { credentialId, name, region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  expect(res.status, res.text).toBe(202);
  return res.json().server.id;
}

const ops = (id: string) => serverOperations(bed.console.deps.db, id).slice().reverse();
const hetznerServers = (name: string) => bed.hetzner.state.servers().filter((s) => s.name === name);

describe("overlapping operations", () => {
  it("destroy requested while creating cancels the create and runs after it, never at the same time", async () => {
    bed.hetzner.faults.set({ kind: "slow-actions", ms: 4000 });
    const id = await create("doomed");
    await waitForStatus(bed, id, ["creating"]);
    const del = await bed.api.delete(`/servers/${id}`);
    expect(del.status, del.text).toBe(202);
    expect(serverById(bed.console.deps.db, id)!.status).toBe("destroying");
    bed.hetzner.faults.clear();
    expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
    const [up, destroy] = ops(id);
    expect(up).toMatchObject({ kind: "up", status: "cancelled" });
    expect(up!.error).toContain("destroy requested by");
    expect(destroy).toMatchObject({ kind: "destroy", status: "succeeded" });
    expect(destroy!.startedAt!.getTime()).toBeGreaterThanOrEqual(up!.finishedAt!.getTime());
    expect(hetznerServers("doomed")).toEqual([]);
  });

  it("cancels a running operation from the API, leaving the server failed and retryable", async () => {
    bed.hetzner.faults.set({ kind: "slow-actions", ms: 3000 });
    const id = await create("cancelled");
    await waitForStatus(bed, id, ["creating"]);
    const [up] = ops(id);
    const res = await bed.api.post(`/operations/${up!.id}/cancel`);
    expect(res.status, res.text).toBe(200);
    bed.hetzner.faults.clear();
    const s = await waitForStatus(bed, id, ["failed", "ready"]);
    expect(s.status).toBe("failed");
    expect(s.errorCode).toBe("cancelled");
    expect(s.retryable).toBe(true);
    expect(ops(id)[0]!.status).toBe("cancelled");
    expect((await bed.api.post(`/operations/${up!.id}/cancel`)).status).toBe(409);
    await bed.api.post(`/servers/${id}/retry`);
    expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");
    await bed.api.delete(`/servers/${id}`);
    expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
  });

  it("a credential deleted while its server is provisioning: the operation finishes, later actions ask for another credential", async () => {
    const other = (await bed.api.post("/credentials", { name: "short-lived", provider: "hetzner", token: bed.hetzner.token })).json().id;
    const spare = (await bed.api.post("/credentials", { name: "spare", provider: "hetzner", token: bed.hetzner.token })).json().id;
    bed.hetzner.faults.set({ kind: "slow-actions", ms: 2000 });
    const id = await create("orphan-cred", other);
    await waitForStatus(bed, id, ["creating"]);
    expect((await bed.api.delete(`/credentials/${other}`)).status).toBe(204);
    bed.hetzner.faults.clear();
    const s = await waitForStatus(bed, id, ["ready", "failed"]);
    expect(s.status).toBe("ready");
    expect(s.credentialId).toBeNull();

    const stop = await bed.api.post(`/servers/${id}/stop`);
    expect(stop.status).toBe(422);
    expect(stop.json().error.fields[0].field).toBe("credentialId");
    const del = await bed.api.delete(`/servers/${id}`);
    expect(del.status).toBe(422);
    expect(del.json().error.fields[0]).toMatchObject({ field: "credentialId", message: expect.stringContaining("choose a Hetzner Cloud credential") });
    expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");

    expect((await bed.api.delete(`/servers/${id}`, { credentialId: spare })).status).toBe(202);
    expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
    expect(hetznerServers("orphan-cred")).toEqual([]);
  });
});

describe("power", () => {
  it("stops and starts a ready server; its node is offline while stopped", async () => {
    const id = await create("powered");
    expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");
    expect((await bed.api.post(`/servers/${id}/stop`)).status).toBe(202);
    expect((await waitForStatus(bed, id, ["stopped", "failed"])).status).toBe("stopped");
    expect(hetznerServers("powered")[0]!.status).toBe("off");
    expect(nodeOfServer(bed.console.deps.db, id)).toMatchObject({ state: "offline", stateReason: "the server is stopped" });
    expect((await bed.api.post(`/servers/${id}/stop`)).status).toBe(409);

    expect((await bed.api.post(`/servers/${id}/start`)).status).toBe(202);
    expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");
    expect(hetznerServers("powered")[0]!.status).toBe("running");
    expect(nodeOfServer(bed.console.deps.db, id)!.state).toBe("online");
    expect(ops(id).map((o) => `${o.kind}:${o.status}`)).toEqual(["up:succeeded", "power:succeeded", "power:succeeded"]);
    await bed.api.delete(`/servers/${id}`);
    expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
  });
});

describe("limits", () => {
  it("refuses more servers than the per-credential quota, naming the limit", async () => {
    const cred = (await bed.api.post("/credentials", { name: "quota-cred", provider: "hetzner", token: bed.hetzner.token })).json().id;
    bed.hetzner.faults.set({ kind: "quota" });
    const ids = [await create("q1", cred), await create("q2", cred), await create("q3", cred)];
    const fourth = await bed.api.post("/servers", { credentialId: cred, name: "q4", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
    expect(fourth.status).toBe(409);
    expect(fourth.json().error.message).toContain("already has 3 servers");
    for (const id of ids) await waitForStatus(bed, id, ["failed"]);
    bed.hetzner.faults.clear();
    for (const id of ids) await bed.api.delete(`/servers/${id}`);
    for (const id of ids) await waitForStatus(bed, id, ["destroyed"]);
    // Destroyed servers free their place.
    expect((await bed.api.post("/servers", { credentialId: cred, name: "q4", region: "fsn1", size: "cx22", image: "nope" })).json().error.fields).toEqual([
      { field: "image", message: "is not an image the provider offers" },
    ]);
  });

  it("validates names, locations, sizes and images against the provider's rules and catalog", async () => {
    const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "Bad_Name", region: "mars1", size: "cx999", image: "windows" });
    expect(res.status).toBe(422);
    const fields = res.json().error.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(["name", "region", "size", "image"]);
    const dup = await create("unique-name");
    const again = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "unique-name", region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
    expect(again.json().error.fields).toEqual([{ field: "name", message: 'you already have a server named "unique-name"' }]);
    await waitForStatus(bed, dup, ["ready", "failed"]);
    await bed.api.delete(`/servers/${dup}`);
    await waitForStatus(bed, dup, ["destroyed"]);
  });
});

describe("the live catalog and events over the API", () => {
  it("serves the provider's catalog, and the provider's error when it is down", async () => {
    const locations = await bed.api.get(`/credentials/${bed.credentialId}/locations`);
    expect(locations.json().locations.map((l: { id: string }) => l.id)).toContain("fsn1");
    const sizes = (await bed.api.get(`/credentials/${bed.credentialId}/server-types`)).json();
    expect(sizes.currency).toBe("EUR");
    expect(sizes.sizes.find((s: { id: string }) => s.id === "cx22").prices.fsn1.monthly).toBeGreaterThan(0);
    bed.hetzner.faults.set({ kind: "catalog-down", mode: "5xx" });
    try {
      const down = await bed.api.get(`/credentials/${bed.credentialId}/images`);
      expect(down.status).toBe(502);
      expect(down.json().error.message).toMatch(/^Hetzner Cloud did not give its catalog: .+/);
    } finally {
      bed.hetzner.faults.clear();
    }
  });

  it("replays an operation's events after a given sequence, as JSON and as SSE", async () => {
    const id = await create("replayed");
    await waitForStatus(bed, id, ["ready", "failed"]);
    const [up] = ops(id);
    const all = (await bed.api.get(`/operations/${up!.id}/events?after=0`)).json().events as { seq: number; type: string }[];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.map((e) => e.type)).toEqual(expect.arrayContaining(["operation", "resource", "status", "summary"]));
    const later = (await bed.api.get(`/operations/${up!.id}/events?after=5`)).json().events as { seq: number }[];
    expect(later[0]!.seq).toBe(6);

    const sse = await bed.console.app.request(`http://localhost/api/v1/operations/${up!.id}/events`, {
      headers: { authorization: bed.api.token, accept: "text/event-stream", "last-event-id": String(all.length - 2) },
    });
    const text = await sse.text();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual([all.length - 1, all.length]);
    // The end carries data: browsers' EventSource drops a message whose data is empty.
    expect(text).toMatch(/event: end\ndata: \{"end":true\}\n/);
    await bed.api.delete(`/servers/${id}`);
    await waitForStatus(bed, id, ["destroyed"]);
  });
});

describe("credential rotation", () => {
  it("destroys and powers a server with the credential's current token, not the one it was created with", async () => {
    const cred = (await bed.api.post("/credentials", { name: "rotating", provider: "hetzner", token: bed.hetzner.token })).json().id;
    const id = await create("rotated", cred);
    const ready = await waitForStatus(bed, id, ["ready", "failed"]);
    expect(ready.status, `${ready.errorCode}: ${ready.errorReason}`).toBe("ready");
    // The operator rotates the token at Hetzner and in Hoist; the old one stops working.
    const fresh = makeToken();
    bed.hetzner.addToken(fresh);
    expect((await bed.api.patch(`/credentials/${cred}`, { token: fresh })).json().validity).toBe("valid");
    bed.hetzner.revokeToken(bed.hetzner.token);
    try {
      expect((await bed.api.post(`/servers/${id}/stop`)).status).toBe(202);
      const stopped = await waitForStatus(bed, id, ["stopped", "failed"]);
      expect(stopped.status, stopped.errorReason ?? "").toBe("stopped");
      expect((await bed.api.delete(`/servers/${id}`)).status).toBe(202);
      const gone = await waitForStatus(bed, id, ["destroyed", "failed"]);
      expect(gone.status, gone.errorReason ?? "").toBe("destroyed");
      expect(hetznerServers("rotated")).toEqual([]);
    } finally {
      bed.hetzner.addToken(bed.hetzner.token);
    }
  });
});
