// API tokens (shown once, stored hashed, revocable) and the audit log.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listApiTokens } from "../../state/api-tokens.ts";
import { listUsers } from "../../state/users.ts";
import { addUser, api, apiToken, setupAdmin, startConsole, type TestConsole } from "../support/console.ts";

let t: TestConsole;
beforeEach(() => {
  t = startConsole({ HOIST_ENDPOINT_HETZNER: "http://127.0.0.1:1/v1" });
});
afterEach(() => t.close());

describe("API tokens", () => {
  it("are shown once, stored as a hash, authenticate as their user, and can be revoked", async () => {
    const admin = await setupAdmin(t);
    const token = await apiToken(admin, "ci-deploy");
    const rows = listApiTokens(t.deps.db, listUsers(t.deps.db)[0]!.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(t.databaseBytes().includes(Buffer.from(token))).toBe(false);
    const page = await admin.get("/settings/tokens");
    expect(page.text).toContain("ci-deploy");
    expect(page.text).toContain(`${token.slice(0, 12)}…`);
    expect(page.text).not.toContain(token);

    const client = api(t, token);
    expect((await client.get("/me")).json()).toMatchObject({ email: "ada@example.com", role: "admin" });
    expect(listApiTokens(t.deps.db, rows[0]!.userId)[0]!.lastUsedAt).toBeInstanceOf(Date);

    await admin.post(`/settings/tokens/${rows[0]!.id}/revoke`, {});
    expect((await client.get("/me")).status).toBe(401);
  });

  it("carry the user's role: a viewer's token cannot change anything", async () => {
    const admin = await setupAdmin(t);
    const viewer = await addUser(t, admin, "viewer", "vera@example.com");
    const client = api(t, await apiToken(viewer));
    const res = await client.post("/credentials", { name: "x", provider: "hetzner", token: "A".repeat(64) });
    expect(res.status).toBe(403);
    expect(res.json().error.code).toBe("forbidden");
    expect((await client.get("/users")).status).toBe(403);
  });
});

describe("audit log", () => {
  it("records who did what and how it ended, and shows it", async () => {
    const admin = await setupAdmin(t);
    const client = api(t, await apiToken(admin, "auditor"));
    const created = (await client.post("/credentials", { name: "audited", provider: "hetzner", token: "A".repeat(64) })).json();
    await client.patch(`/credentials/${created.id}`, { name: "audited-2" });
    await client.delete(`/credentials/${created.id}`);
    await t.client().post("/login", { email: "ada@example.com", password: "not the password" });

    const entries = (await client.get("/audit")).json().entries as { action: string; outcome: string; actor: string; targetId: string | null; detail: string | null }[];
    const actions = entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining(["user.setup:ok", "token.create:ok", "credential.create:ok", "credential.update:ok", "credential.delete:ok", "user.sign_in:denied"]),
    );
    const create = entries.find((e) => e.action === "credential.create")!;
    expect(create).toMatchObject({ actor: "ada@example.com", targetId: created.id });
    expect(create.detail).toContain("audited (hetzner): unverified");

    const page = await admin.get("/audit");
    expect(page.text).toContain("credential.delete");
    expect(page.text).toContain("Every change made in Hoist");
  });

  it("shows operators only their own entries", async () => {
    const admin = await setupAdmin(t);
    const olga = await addUser(t, admin, "operator", "olga@example.com");
    const page = await olga.get("/audit");
    expect(page.text).toContain("Changes you made");
    expect(page.text).toContain("user.accept_invite");
    expect(page.text).not.toContain("user.setup");
  });
});
