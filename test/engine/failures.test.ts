// Provider failures through the engine: each ends failed with the reason in operator words, the
// provider's code and whether a retry can help — never stuck — and Retry / Destroy work after.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCredential } from "../../state/credentials.ts";
import { eventsAfter, serverOperations } from "../../state/operations.ts";
import { makeToken } from "../emulators/hetzner/emulator.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => {
  await bed?.close();
});

const create = async (name: string, credentialId = bed.credentialId) => {
  const res = await bed.api.post("/servers", { credentialId, name, region: "fsn1", size: "cx22", image: "ubuntu-24.04" });
  expect(res.status, res.text).toBe(202);
  return res.json().server.id as string;
};

describe("failures at the provider", () => {
  it("an API key the provider rejects fails at creation with an authentication error and marks the credential invalid", async () => {
    // Valid in form, unknown to the provider.
    const bad = await bed.api.post("/credentials", { name: "revoked", provider: "hetzner", token: makeToken() });
    const credId = bad.json().id as string;
    // Creating it checked it already; pretend it was fine then, to see the operation notice.
    bed.console.deps.db.$client.prepare("update credentials set validity = 'valid' where id = ?").run(credId);
    const id = await create("auth-fail", credId);
    const s = await waitForStatus(bed, id, ["failed", "ready"]);
    expect(s.status).toBe("failed");
    expect(s.errorCode).toBe("unauthorized");
    expect(s.errorReason).toBe("Hetzner rejected the API token: unable to authenticate");
    expect(s.retryable).toBe(false);
    const cred = findCredential(bed.console.deps.db, { userId: "", all: true }, credId)!;
    expect(cred.validity).toBe("invalid");
    expect(cred.validityReason).toContain("unable to authenticate");
    expect(bed.hetzner.state.servers().filter((x) => x.name === "auth-fail")).toEqual([]);
  });

  it("a provider quota fails with the provider's message, and Retry works once there is room", async () => {
    bed.hetzner.faults.set({ kind: "quota" }, { times: 1 });
    const id = await create("quota-hit");
    const s = await waitForStatus(bed, id, ["failed", "ready"]);
    expect(s.status).toBe("failed");
    expect(s.errorCode).toBe("resource_limit_exceeded");
    expect(s.errorReason).toContain("server limit exceeded");
    const retry = await bed.api.post(`/servers/${id}/retry`);
    expect(retry.status, retry.text).toBe(202);
    expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");
    await bed.api.delete(`/servers/${id}`);
    expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
  });

  it("a failing create action ends failed with details; Retry succeeds after the fault clears; Destroy cleans up", async () => {
    bed.hetzner.faults.set({ kind: "action-fails", message: "error during placement", code: "resource_unavailable" }, { times: 1 });
    const id = await create("placement");
    const s = await waitForStatus(bed, id, ["failed", "ready"]);
    expect(s.status).toBe("failed");
    expect(s.errorCode).toBe("resource_unavailable");
    expect(s.errorReason).toContain("error during placement");
    expect(s.retryable).toBe(true);
    // The half-made server is in the stack's state: it exists at the provider, nothing is orphaned.
    expect(bed.hetzner.state.servers().filter((x) => x.name === "placement")).toHaveLength(1);
    const failure = eventsAfter(bed.console.deps.db, serverOperations(bed.console.deps.db, id)[0]!.id, 0).find((e) => e.type === "failure");
    expect(failure?.payload).toMatchObject({ code: "resource_unavailable", retryable: true });

    await bed.api.post(`/servers/${id}/retry`);
    expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");
    expect(bed.hetzner.state.servers().filter((x) => x.name === "placement")).toHaveLength(1);
    await bed.api.delete(`/servers/${id}`);
    expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
    expect(bed.hetzner.state.servers().filter((x) => x.name === "placement")).toEqual([]);
  });
});
