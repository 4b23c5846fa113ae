// Locking out a compromised user who still owns servers, changing a password, and API tokens
// that expire.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { credentialSecretRef } from "../../state/sealed-columns.ts";
import { apiTokens } from "../../state/schema.ts";
import { insertCredential, listCredentials } from "../../state/credentials.ts";
import { listAudit } from "../../state/audit.ts";
import { insertServer, listServers } from "../../state/servers.ts";
import { listUsers } from "../../state/users.ts";
import { sealJson } from "../../state/secrets.ts";
import { ADMIN, addUser, api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";

let t: TestConsole;
beforeEach(() => {
  t = startConsole();
});
afterEach(() => t.close());

const user = (email: string) => listUsers(t.deps.db).find((u) => u.email === email)!;
const all = { userId: "", all: true };

function giveInfrastructure(userId: string, credentialName = "hetzner") {
  const id = crypto.randomUUID();
  insertCredential(t.deps.db, { id, userId, name: credentialName, cloud: "hetzner", secret: sealJson(t.deps.keyring, { token: "x" }, credentialSecretRef(id)), settings: {} });
  return insertServer(t.deps.db, { userId, credentialId: id, sshKeyId: null, name: "web", stack: `server-web-${id.slice(0, 8)}`, cloud: "hetzner", region: "fsn1", size: "cx22", image: "debian-12", spec: {}, priceMonthly: null });
}

async function signIn(email: string, password: string): Promise<{ status: number; web: WebClient; text: string }> {
  const web = t.client();
  await web.get("/login");
  const res = await web.post("/login", { email, password });
  return { status: res.status, web, text: res.text };
}

describe("disabling a user", () => {
  it("ends their sessions, revokes their tokens, keeps their servers, and refuses their sign-in until enabled", async () => {
    const admin = await setupAdmin(t);
    const otto = await addUser(t, admin, "operator", "otto@example.com");
    const ottoApi = api(t, await apiToken(otto));
    const server = giveInfrastructure(user("otto@example.com").id);
    expect((await ottoApi.get("/me")).status).toBe(200);

    await admin.get("/users");
    const confirm = await admin.get(`/users/${user("otto@example.com").id}/disable`);
    expect(confirm.text).toContain("Their 1 server(s) and 1 credential(s) keep running and stay theirs");
    expect((await admin.post(`/users/${user("otto@example.com").id}/disable`, { handTo: "" })).status).toBe(303);

    expect(user("otto@example.com").state).toBe("disabled");
    expect((await otto.get("/nodes")).status).toBe(303);
    expect((await ottoApi.get("/me")).status).toBe(401);
    expect(t.deps.db.select().from(apiTokens).where(eq(apiTokens.userId, user("otto@example.com").id)).all()).toEqual([]);
    const servers = listServers(t.deps.db, all);
    expect(servers.map((s) => [s.id, s.userId, s.status])).toEqual([[server.id, user("otto@example.com").id, "pending"]]);
    const refused = await signIn("otto@example.com", "otto@example.com password!");
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(/id="f-email-error"[^>]*>this account is disabled; ask an admin/);
    // A wrong password learns nothing about the account's state.
    expect((await signIn("otto@example.com", "not the password at all")).text).toContain("email or password is wrong");
    expect(listAudit(t.deps.db, {}).find((e) => e.action === "user.disable")!.detail).toBe("otto@example.com: sessions ended, 1 API token(s) revoked; keeps 1 server(s) and 1 credential(s)");

    expect((await admin.post(`/users/${user("otto@example.com").id}/enable`, {})).status).toBe(303);
    expect((await signIn("otto@example.com", "otto@example.com password!")).status).toBe(303);
  });

  it("hands their servers and credentials to an admin when asked, renaming a clashing credential", async () => {
    const admin = await setupAdmin(t);
    await addUser(t, admin, "operator", "otto@example.com");
    const ada = user(ADMIN.email);
    giveInfrastructure(ada.id, "hetzner");
    const server = giveInfrastructure(user("otto@example.com").id, "hetzner");
    const client = api(t, await apiToken(admin));
    const res = await client.post(`/users/${user("otto@example.com").id}/disable`, { handTo: ada.id });
    expect(res.status, res.text).toBe(200);
    expect(res.json().state).toBe("disabled");
    expect(listServers(t.deps.db, all).find((s) => s.id === server.id)!.userId).toBe(ada.id);
    expect(listCredentials(t.deps.db, all).map((c) => [c.userId, c.name]).sort()).toEqual([
      [ada.id, "hetzner"],
      [ada.id, "hetzner-2"],
    ]);
    expect(listAudit(t.deps.db, {}).find((e) => e.action === "user.disable")!.detail).toContain("1 server(s) and 1 credential(s) handed to ada@example.com (renamed: hetzner → hetzner-2)");
  });

  it("names a bad hand-over target and changes nothing; refuses to disable oneself", async () => {
    const admin = await setupAdmin(t);
    await addUser(t, admin, "operator", "otto@example.com");
    await addUser(t, admin, "viewer", "vera@example.com");
    await admin.get("/users");
    const otto = user("otto@example.com");
    const bad = await admin.post(`/users/${otto.id}/disable`, { handTo: user("vera@example.com").id });
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/id="f-handTo-error"[^>]*>must be another active admin/);
    expect(user("otto@example.com").state).toBe("active");
    expect((await admin.post(`/users/${user(ADMIN.email).id}/disable`, {})).status).toBe(403);
  });
});

describe("changing one's password", () => {
  it("needs the current password, naming the field, and ends every other session", async () => {
    const here = await setupAdmin(t);
    const elsewhere = (await signIn(ADMIN.email, ADMIN.password)).web;
    await here.get("/settings/account");
    const wrong = await here.post("/settings/account", { currentPassword: "not my password", newPassword: "a brand new long password" });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toMatch(/id="f-currentPassword-error"[^>]*>is not your current password/);
    const short = await here.post("/settings/account", { currentPassword: ADMIN.password, newPassword: "short" });
    expect(short.text).toMatch(/id="f-newPassword-error"[^>]*>must be at least 12 characters/);

    const ok = await here.post("/settings/account", { currentPassword: ADMIN.password, newPassword: "a brand new long password" });
    expect(ok.status).toBe(303);
    expect((await here.get("/nodes")).status).toBe(200);
    expect((await elsewhere.get("/nodes")).status).toBe(303);
    expect((await signIn(ADMIN.email, ADMIN.password)).status).toBe(422);
    expect((await signIn(ADMIN.email, "a brand new long password")).status).toBe(303);
  });
});

describe("API tokens", () => {
  it("expire: chosen at creation (90 days by default), refused with a clear 401 afterwards", async () => {
    const admin = await setupAdmin(t);
    const token = await apiToken(admin, "short-lived");
    const client = api(t, token);
    const [row] = t.deps.db.select().from(apiTokens).all();
    const days = (row!.expiresAt!.getTime() - row!.createdAt.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    const week = (await client.post("/tokens", { name: "weekly", expiresInDays: 7 })).json();
    expect(Math.round((Date.parse(week.expiresAt) - Date.now()) / 86_400_000)).toBe(7);
    const bad = await client.post("/tokens", { name: "forever", expiresInDays: 10_000 });
    expect(bad.status).toBe(422);
    expect(bad.json().error.fields).toEqual([{ field: "expiresInDays", message: "must be at most 365 days" }]);

    t.deps.db.update(apiTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiTokens.id, row!.id)).run();
    const expired = await client.get("/me");
    expect(expired.status).toBe(401);
    expect(expired.json().error.message).toMatch(/^This API token expired on \d{4}-\d{2}-\d{2}; create a new one under API tokens\.$/);
    expect((await admin.get("/settings/tokens")).text).toContain("expired ");
  });

  it("made before tokens expired get an expiry at the next start", async () => {
    const admin = await setupAdmin(t);
    await apiToken(admin, "old");
    t.deps.db.update(apiTokens).set({ expiresAt: null }).run();
    t.stop();
    const again = startConsole({}, t.dataDir);
    t = again;
    const [row] = again.deps.db.select().from(apiTokens).all();
    expect(Math.round((row!.expiresAt!.getTime() - Date.now()) / 86_400_000)).toBe(90);
  });
});
