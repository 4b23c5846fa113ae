// The whole server flow, the same on every cloud, through Hoist's JSON API and engine against
// that cloud's emulator: create → ready → node online over SSH (pinned host key, identity read
// back, the operator's own key lets them in) → stop → start → destroy (nothing left at the
// provider); a credential the provider refuses; the per-credential quota; a create the provider
// refuses, and one that fails after it was accepted, each retried once the fault clears; the
// catalog down. Each cloud's file calls cloudSuite; vitest runs the files side by side.
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCredential } from "../../state/credentials.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { eventsAfter, serverOperations } from "../../state/operations.ts";
import type { CloudId } from "../support/clouds.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { sshExec } from "../support/ssh.ts";
import fs from "node:fs";
import path from "node:path";

/** How each cloud's refusals read in Hoist's words (the provider's own code and message). */
export interface CloudExpectations {
  label: string;
  /** The error code of a rejected credential, and words of the provider's reason. */
  auth: { code: string; reason: RegExp };
  quota: { code: string; reason: RegExp };
  /** A create accepted, then failed at the provider; `kept`: whether the provider keeps the failed server (EC2 terminates it). */
  failedAfterAcceptance: { code: string; reason: RegExp; kept: boolean };
}

export function cloudSuite(cloud: CloudId, expected: CloudExpectations) {
  let bed: Bed;
  beforeAll(async () => {
    bed = await startCloudBed(cloud, { HOIST_SERVER_QUOTA: "3" });
  });
  afterAll(async () => {
    await bed?.close();
  });

  const create = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await bed.api.post("/servers", bed.serverRequest(name, extra));
    expect(res.status, res.text).toBe(202);
    return res.json().server.id as string;
  };
  const destroy = async (id: string) => {
    const res = await bed.api.delete(`/servers/${id}`);
    expect(res.status, res.text).toBe(202);
    const gone = await waitForStatus(bed, id, ["destroyed", "failed"], 180_000);
    expect(gone.status, gone.errorReason ?? "").toBe("destroyed");
  };
  const providerServersNamed = async (name: string) => (await bed.cloud.servers()).filter((s) => s.name === name);

  describe(`${expected.label} servers through Hoist`, () => {
    it("creates a server that registers an online node, stops, starts and is destroyed with nothing left behind", async () => {
      const mine = ssh2.utils.generateKeyPairSync("ed25519", { comment: "operator@laptop" });
      const key = await bed.api.post("/ssh-keys", { name: "laptop", publicKey: mine.public });
      expect(key.status, key.text).toBe(201);

      const res = await bed.api.post("/servers", bed.serverRequest("web-1", { sshKeyIds: [key.json().id] }));
      expect(res.status, res.text).toBe(202);
      const { server, operation } = res.json();
      expect(server.provider).toBe(cloud);
      const ready = await waitForStatus(bed, server.id, ["ready", "failed"], 180_000);
      expect(ready.status, ready.errorReason ?? "").toBe("ready");
      const statuses = eventsAfter(bed.console.deps.db, operation.id, 0).map((e) => e.payload as { type: string; status?: string }).filter((e) => e.type === "status").map((e) => e.status);
      expect(statuses).toEqual(["creating", "configuring", "ready"]);

      const node = nodeOfServer(bed.console.deps.db, server.id)!;
      expect(node).toMatchObject({ state: "online", sshUser: bed.cloud.loginUser, cloud, pool: "shared" });
      expect(node.address).toMatch(/^127\./);
      const host = bed.cloud.hostOf(String(ready.outputs!.providerId))!;
      expect(node.hostKeyFingerprint).toBe(host.hostKeyFingerprint);
      expect(fs.readFileSync(path.join(host.rootDir, "etc/hoist/node-id"), "utf8").trim()).toBe(node.id);
      // The provider's own resources carry the node's tag: how Hoist would find them after a crash.
      expect((await providerServersNamed("web-1")).map((s) => s.nodeId)).toEqual([node.id]);
      // The operator logs in with their own key, as the image's login user.
      const mineOnServer = await sshExec(node.address, mine.private, "id -un; cat /etc/hoist/node-id", { user: node.sshUser, hostKey: host.hostPublicKey });
      expect(mineOnServer.stdout.trim().split("\n")).toEqual([bed.cloud.loginUser, node.id]);

      expect((await bed.api.post(`/servers/${server.id}/stop`)).status).toBe(202);
      expect((await waitForStatus(bed, server.id, ["stopped", "failed"])).status).toBe("stopped");
      expect(nodeOfServer(bed.console.deps.db, server.id)!.state).toBe("offline");
      expect((await providerServersNamed("web-1"))[0]!.running).toBe(false);
      expect((await bed.api.post(`/servers/${server.id}/start`)).status).toBe(202);
      expect((await waitForStatus(bed, server.id, ["ready", "failed"])).status).toBe("ready");
      expect(nodeOfServer(bed.console.deps.db, server.id)!.state).toBe("online");
      expect((await providerServersNamed("web-1"))[0]!.running).toBe(true);

      await destroy(server.id);
      expect(await bed.cloud.resources()).toEqual({ servers: 0, keys: 0, firewalls: 0 });
      expect(nodeOfServer(bed.console.deps.db, server.id)).toBeUndefined();
      expect(serverOperations(bed.console.deps.db, server.id).map((o) => [o.kind, o.status])).toEqual([
        ["destroy", "succeeded"],
        ["power", "succeeded"],
        ["power", "succeeded"],
        ["up", "succeeded"],
      ]);
    });

    it("keeps a credential the provider refuses, and fails a create with it in plain words", async () => {
      const bad = await bed.api.post("/credentials", { name: "refused", provider: cloud, ...bed.cloud.rejectedCredential });
      expect(bad.status, bad.text).toBe(201);
      expect(bad.json().validity).toBe("invalid");
      const credId = bad.json().id as string;
      // Pretend it passed its check, to see the operation itself meet the refusal.
      bed.console.deps.db.$client.prepare("update credentials set validity = 'valid' where id = ?").run(credId);
      const id = await create("refused-1", { credentialId: credId });
      const s = await waitForStatus(bed, id, ["failed", "ready"]);
      expect(s.status).toBe("failed");
      expect(s.errorCode).toBe(expected.auth.code);
      expect(s.errorReason).toMatch(expected.auth.reason);
      expect(s.retryable).toBe(false);
      expect(findCredential(bed.console.deps.db, { userId: "", all: true }, credId)!.validity).toBe("invalid");
      expect(await providerServersNamed("refused-1")).toEqual([]);
      await destroy(id);
    });

    it("refuses more servers than the per-credential quota, naming the limit", async () => {
      bed.cloud.faults.set({ kind: "quota" });
      const ids: string[] = [];
      try {
        for (const name of ["q-1", "q-2", "q-3"]) ids.push(await create(name));
        const fourth = await bed.api.post("/servers", bed.serverRequest("q-4"));
        expect(fourth.status).toBe(409);
        expect(fourth.json().error.message).toContain("already has 3 servers");
        for (const id of ids) await waitForStatus(bed, id, ["failed"]);
      } finally {
        bed.cloud.faults.clear();
      }
      for (const id of ids) await destroy(id);
    });

    it("fails a create the provider refuses with its message, and Retry works once there is room", async () => {
      bed.cloud.faults.set({ kind: "quota" }, { times: 1 });
      const id = await create("quota-hit");
      const s = await waitForStatus(bed, id, ["failed", "ready"]);
      expect(s.status).toBe("failed");
      expect(s.errorCode).toBe(expected.quota.code);
      expect(s.errorReason).toMatch(expected.quota.reason);
      expect(s.retryable).toBe(false);
      expect((await bed.api.post(`/servers/${id}/retry`)).status).toBe(202);
      expect((await waitForStatus(bed, id, ["ready", "failed"], 180_000)).status).toBe("ready");
      await destroy(id);
      expect(await bed.cloud.resources()).toEqual({ servers: 0, keys: 0, firewalls: 0 });
    });

    it("fails a create that fails after the provider accepted it, keeps it deletable, and Retry replaces it", async () => {
      bed.cloud.faults.set({ kind: "action-fails", message: "no capacity left for this size" }, { times: 1 });
      const id = await create("accepted");
      const s = await waitForStatus(bed, id, ["failed", "ready"], 180_000);
      expect(s.status).toBe("failed");
      expect(s.errorCode).toBe(expected.failedAfterAcceptance.code);
      expect(s.errorReason).toMatch(expected.failedAfterAcceptance.reason);
      expect(s.retryable).toBe(true);
      const failure = eventsAfter(bed.console.deps.db, serverOperations(bed.console.deps.db, id)[0]!.id, 0).find((e) => e.type === "failure");
      expect(failure?.payload).toMatchObject({ code: expected.failedAfterAcceptance.code, retryable: true });
      expect(await providerServersNamed("accepted")).toHaveLength(expected.failedAfterAcceptance.kept ? 1 : 0);
      expect((await bed.api.post(`/servers/${id}/retry`)).status).toBe(202);
      expect((await waitForStatus(bed, id, ["ready", "failed"], 180_000)).status).toBe("ready");
      // The broken one was replaced, not kept beside the new one.
      expect(await providerServersNamed("accepted")).toHaveLength(1);
      await destroy(id);
      expect(await bed.cloud.resources()).toEqual({ servers: 0, keys: 0, firewalls: 0 });
    });

    it("says when the provider's catalog is down, through the API and in the create form", async () => {
      const sizes = (await bed.api.get(`/credentials/${bed.credentialId}/server-types`)).json();
      expect(sizes.sizes.find((s: { id: string }) => s.id === bed.cloud.server.size).prices[bed.cloud.server.region].monthly).toBeGreaterThan(0);
      bed.cloud.faults.set({ kind: "catalog-down", mode: "5xx" });
      try {
        const down = await bed.api.get(`/credentials/${bed.credentialId}/locations`);
        expect(down.status).toBe(502);
        expect(down.json().error.message).toMatch(new RegExp(`^${expected.label} did not give its catalog: .+`));
        const form = await bed.admin.get(`/nodes/cloud/new/catalog?credentialId=${bed.credentialId}`);
        expect(form.text).toContain(`${expected.label} did not give its catalog`);
        expect(form.text).toContain("Try again");
        expect(form.text).not.toContain('name="region"');
      } finally {
        bed.cloud.faults.clear();
      }
    });
  });
}
