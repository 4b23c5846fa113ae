// The maintenance switch: an admin pauses every change with a reason; pages say so, the API's
// reads go on, its changes answer 503 with the reason; HOIST_READ_ONLY sets it at start.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { listAudit } from "../../state/audit.ts";
import { addUser, api, apiToken, setupAdmin, startConsole, type TestConsole } from "../support/console.ts";

let t: TestConsole;
afterEach(() => t.close());

describe("pausing changes", () => {
  beforeEach(() => {
    t = startConsole();
  });

  it("refuses every change with 503 and the reason while pages, reads and account actions go on", async () => {
    const admin = await setupAdmin(t);
    const client = api(t, await apiToken(admin));
    await admin.get("/maintenance");
    const noReason = await admin.post("/maintenance", { paused: "1", reason: "" });
    expect(noReason.status).toBe(422);
    expect(noReason.text).toMatch(/id="f-reason-error"[^>]*>is required: say why changes are paused/);
    expect((await admin.post("/maintenance", { paused: "1", reason: "database backup" })).status).toBe(303);

    const page = await admin.get("/nodes/cloud");
    expect(page.text).toMatch(/class="flash flash-warn maintenance" role="status">Changes are paused by ada@example.com since \d{4}-\d\d-\d\d \d\d:\d\d UTC: database backup\. Pages, reads and running operations go on\./);

    for (const [method, url, body] of [
      ["post", "/servers", { credentialId: "x", name: "web", region: "fsn1", size: "cx22", image: "debian-12" }],
      ["post", "/credentials", { name: "h", provider: "hetzner", token: "a".repeat(64) }],
      ["delete", "/servers/00000000-0000-4000-8000-000000000000", undefined],
      ["post", "/servers/00000000-0000-4000-8000-000000000000/retry", undefined],
      ["post", "/servers/00000000-0000-4000-8000-000000000000/stop", undefined],
    ] as const) {
      const res = method === "post" ? await client.post(url, body) : await client.delete(url);
      expect(res.status, url).toBe(503);
      expect(res.json().error.code).toBe("read_only");
      expect(res.json().error.message).toContain("database backup");
    }
    const form = await admin.post("/nodes/credentials", { name: "h", provider: "hetzner", token: "a".repeat(64) });
    expect(form.status).toBe(503);
    expect(form.text).toContain("Changes are paused");

    expect((await client.get("/servers")).status).toBe(200);
    expect((await client.get("/maintenance")).json()).toMatchObject({ paused: true, reason: "database backup", by: "ada@example.com", setAtStart: false });
    expect((await client.post("/tokens", { name: "during-backup" })).status).toBe(201);

    const resumed = await client.put("/maintenance", { paused: false });
    expect(resumed.json().paused).toBe(false);
    expect((await client.post("/servers", { credentialId: "x", name: "web", region: "fsn1", size: "cx22", image: "debian-12" })).status).toBe(422);
    expect((await admin.get("/nodes/cloud")).text).not.toContain("Changes are paused");
    expect(listAudit(t.deps.db, {}).filter((e) => e.action.startsWith("maintenance.")).map((e) => e.action)).toEqual(["maintenance.resume", "maintenance.pause"]);
  });

  it("is the admins' switch alone", async () => {
    const admin = await setupAdmin(t);
    const otto = api(t, await apiToken(await addUser(t, admin, "operator", "otto@example.com")));
    expect((await otto.put("/maintenance", { paused: true, reason: "mine" })).status).toBe(403);
    expect((await otto.get("/maintenance")).json().paused).toBe(false);
  });
});

describe("HOIST_READ_ONLY", () => {
  it("pauses changes from the start, and no admin can resume them", async () => {
    t = startConsole({ HOIST_READ_ONLY: "1" });
    const admin = await setupAdmin(t);
    const client = api(t, await apiToken(admin));
    const refused = await client.post("/credentials", { name: "h", provider: "hetzner", token: "a".repeat(64) });
    expect(refused.status).toBe(503);
    expect(refused.json().error.message).toContain("Hoist was started read-only (HOIST_READ_ONLY)");
    expect((await client.put("/maintenance", { paused: false })).status).toBe(409);
    expect((await admin.get("/maintenance")).text).toContain("Hoist was started with HOIST_READ_ONLY.");
    expect((await client.get("/maintenance")).json()).toMatchObject({ paused: true, setAtStart: true });
  });

  it("takes only yes or no, naming the variable", () => {
    t = startConsole();
    expect(() => loadConfig({ HOIST_READ_ONLY: "maybe" })).toThrow(ConfigError);
    expect(() => loadConfig({ HOIST_READ_ONLY: "maybe" })).toThrow(/HOIST_READ_ONLY: must be 1, true, yes or on/);
    expect(loadConfig({ HOIST_READ_ONLY: "true" }).readOnly).toBe(true);
    expect(loadConfig({}).readOnly).toBe(false);
  });
});
