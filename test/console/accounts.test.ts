// First run, sign in/out, sessions, CSRF and the sign-in rate limit, through app.request()
// against a real SQLite file and the real migrator.
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SETUP_CODE_FILE } from "../../server/auth/setup-code.ts";
import { countUsers, listUsers } from "../../state/users.ts";
import { eq } from "drizzle-orm";
import { sha256 } from "../../server/auth/tokens.ts";
import { listAudit } from "../../state/audit.ts";
import { sessions as sessionsTable } from "../../state/schema.ts";
import { insertServer, updateServer } from "../../state/servers.ts";
import { ADMIN, addUser, setupAdmin, setupCode, startConsole, type TestConsole } from "../support/console.ts";

let t: TestConsole;
beforeEach(() => {
  t = startConsole();
});
afterEach(() => t.close());

describe("first run", () => {
  it("sends every page to /setup until the admin exists", async () => {
    const web = t.client();
    for (const path of ["/", "/nodes", "/nodes/credentials", "/audit"]) {
      const res = await web.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toBe("/setup");
    }
    expect((await web.get("/setup")).text).toContain("Create admin account");
  });

  it("creates the admin, signs them in, and refuses a second setup", async () => {
    const web = await setupAdmin(t);
    const users = listUsers(t.deps.db);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ email: ADMIN.email, role: "admin", state: "active" });
    expect(users[0]!.passwordHash).toMatch(/^scrypt\$/);
    expect(users[0]!.passwordHash).not.toContain(ADMIN.password);
    expect((await web.get("/nodes")).status).toBe(200);

    const other = t.client();
    expect((await other.get("/setup")).headers.get("location")).toBe("/login");
    const again = await other.post("/setup", { ...ADMIN, email: "mallory@example.com", setupCode: "AAAAA-BBBBB-CCCCC" });
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/login");
    expect(countUsers(t.deps.db)).toBe(1);
  });

  it("asks for the setup code from the log and the data folder, and refuses a wrong or missing one", async () => {
    const file = path.join(t.dataDir, SETUP_CODE_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const code = setupCode(t.dataDir);
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
    expect(t.logs.some((l) => l.includes(`setup code ${code}`))).toBe(true);

    const web = t.client();
    expect((await web.get("/setup")).text).toContain('name="setupCode"');
    const missing = await web.post("/setup", ADMIN);
    expect(missing.status).toBe(422);
    expect(missing.text).toMatch(/id="f-setupCode-error"[^>]*>is required/);
    const wrong = await web.post("/setup", { ...ADMIN, setupCode: "AAAAA-BBBBB-CCCCC" });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toMatch(/id="f-setupCode-error"[^>]*>is not the setup code Hoist printed in its log/);
    expect(wrong.text).not.toContain(code);
    expect(countUsers(t.deps.db)).toBe(0);

    // Typed by hand: lower case, without dashes.
    const ok = await web.post("/setup", { ...ADMIN, setupCode: code.replace(/-/g, "").toLowerCase() });
    expect(ok.status).toBe(303);
    expect(countUsers(t.deps.db)).toBe(1);
    // Used once: the file is gone and the code opens nothing any more.
    expect(fs.existsSync(file)).toBe(false);
    const again = await t.client().post("/setup", { ...ADMIN, email: "mallory@example.com", setupCode: code });
    expect(again.headers.get("location")).toBe("/login");
    expect(countUsers(t.deps.db)).toBe(1);
  });

  it("keeps the same code across restarts until the setup, and none afterwards", () => {
    const code = setupCode(t.dataDir);
    const again = startConsole({}, t.dataDir);
    try {
      expect(setupCode(t.dataDir)).toBe(code);
    } finally {
      again.stop();
    }
  });

  it("creates exactly one admin when two setups race each other", async () => {
    const code = setupCode(t.dataDir);
    const a = t.client();
    const b = t.client();
    await a.get("/setup");
    await b.get("/setup");
    const [ra, rb] = await Promise.all([
      a.post("/setup", { ...ADMIN, setupCode: code }),
      b.post("/setup", { ...ADMIN, email: "mallory@example.com", name: "Mallory", setupCode: code }),
    ]);
    expect(countUsers(t.deps.db)).toBe(1);
    expect([ra.headers.get("location"), rb.headers.get("location")].sort()).toEqual(["/login", "/nodes/credentials"]);
  });

  it("names each bad setup field and creates nothing", async () => {
    const web = t.client();
    await web.get("/setup");
    const res = await web.post("/setup", { name: "<script>x</script>", email: "not-an-email", password: "short", setupCode: setupCode(t.dataDir) });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="f-name-error"[^>]*>may contain letters/);
    expect(res.text).toMatch(/id="f-email-error"[^>]*>must be an email address/);
    expect(res.text).toMatch(/id="f-password-error"[^>]*>must be at least 12 characters/);
    expect(res.text).not.toContain("<script>x</script>");
    expect(countUsers(t.deps.db)).toBe(0);
  });
});

describe("sessions", () => {
  it("sets HttpOnly, SameSite=Lax cookies without a prefix over plain http", async () => {
    const web = t.client();
    await web.get("/setup");
    const res = await web.post("/setup", { ...ADMIN, setupCode: setupCode(t.dataDir) });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("hoist_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it("behind https names every cookie __Host- and makes it Secure: session, pre-sign-in and flash", async () => {
    const https = startConsole({ HOIST_PUBLIC_URL: "https://hoist.example.com" });
    try {
      const web = https.client();
      const first = await web.get("/setup");
      // The browser is at the public https address (HOIST_PUBLIC_URL), and its Origin says so.
      const made = await web.post("/setup", { ...ADMIN, setupCode: setupCode(https.dataDir) }, { origin: "https://hoist.example.com" });
      expect(made.status).toBe(303);
      const set = [...first.headers.getSetCookie(), ...made.headers.getSetCookie()];
      const names = set.map((c) => c.split("=")[0]);
      expect(names).toEqual(expect.arrayContaining(["__Host-hoist_pre", "__Host-hoist_session", "__Host-hoist_flash"]));
      for (const c of set) {
        expect(c).toMatch(/^__Host-hoist_/);
        expect(c).toMatch(/; Secure/);
        expect(c).toMatch(/; Path=\//);
        expect(c).not.toMatch(/Domain=/i);
        expect(c).toMatch(/HttpOnly/);
      }
      // The flash shows, read from its prefixed cookie, and the session works.
      expect((await web.get("/nodes/credentials")).text).toContain("Your admin account is ready.");
    } finally {
      https.close();
    }
  });

  it("ends the session the browser held when it signs in again", async () => {
    await setupAdmin(t);
    const web = t.client();
    await web.get("/login");
    await web.post("/login", { email: ADMIN.email, password: ADMIN.password });
    const older = web.cookies.get("hoist_session")!;
    await web.get("/nodes"); // the signed-in page's CSRF token
    expect((await web.post("/login", { email: ADMIN.email, password: ADMIN.password })).status).toBe(303);
    expect(web.cookies.get("hoist_session")).not.toBe(older);
    const stale = t.client();
    stale.cookies.set("hoist_session", older);
    expect((await stale.get("/nodes")).status).toBe(303);
    expect((await web.get("/nodes")).status).toBe(200);
    expect(t.deps.db.select().from(sessionsTable).where(eq(sessionsTable.id, sha256(older))).all()).toEqual([]);
  });

  it("ends a session unused for the idle time, and purges expired and idle sessions", async () => {
    const web = await setupAdmin(t);
    const [mine] = t.deps.db.select().from(sessionsTable).all();
    // An hour longer than the idle time (240 minutes by default) without a request.
    t.deps.db.update(sessionsTable).set({ lastSeenAt: new Date(Date.now() - 5 * 3600_000) }).where(eq(sessionsTable.id, mine!.id)).run();
    const idle = await web.get("/nodes");
    expect(idle.status).toBe(303);
    expect(idle.headers.get("location")).toBe("/login?next=%2Fnodes");
    expect(t.deps.db.select().from(sessionsTable).all()).toEqual([]);

    // Sessions nobody comes back with are purged at the next sign-in.
    const admin = listUsers(t.deps.db)[0]!;
    const old = { userId: admin.id, csrfToken: "x", createdAt: new Date(0) };
    t.deps.db.insert(sessionsTable).values([
      { ...old, id: "expired", expiresAt: new Date(Date.now() - 1000), lastSeenAt: new Date() },
      { ...old, id: "idle", expiresAt: new Date(Date.now() + 86_400_000), lastSeenAt: new Date(Date.now() - 5 * 3600_000) },
    ]).run();
    await web.get("/login");
    await web.post("/login", { email: ADMIN.email, password: ADMIN.password });
    expect(t.deps.db.select({ id: sessionsTable.id }).from(sessionsTable).all().map((r) => r.id)).toEqual([sha256(web.cookies.get("hoist_session")!)]);
  });

  it("signs in, returns to the page asked for, and signs out", async () => {
    await setupAdmin(t);
    const web = t.client();
    const gate = await web.get("/audit");
    expect(gate.headers.get("location")).toBe("/login?next=%2Faudit");
    await web.get("/login?next=%2Faudit");
    const res = await web.post("/login?next=%2Faudit", { email: ADMIN.email.toUpperCase(), password: ADMIN.password });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/audit");
    expect((await web.get("/audit")).status).toBe(200);

    await web.post("/logout", {});
    expect((await web.get("/audit")).status).toBe(303);
  });

  it("does not redirect off-site after sign-in", async () => {
    await setupAdmin(t);
    const web = t.client();
    await web.get("/login");
    const res = await web.post("/login?next=%2F%2Fevil.example%2F", { email: ADMIN.email, password: ADMIN.password });
    expect(res.headers.get("location")).toBe("/nodes");
  });

  it("refuses a wrong password naming the field, and records the attempt", async () => {
    await setupAdmin(t);
    const web = t.client();
    await web.get("/login");
    const res = await web.post("/login", { email: ADMIN.email, password: "wrong password here" });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="f-password-error"[^>]*>email or password is wrong/);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("hoist_session="))).toBe(false);
    expect(listAudit(t.deps.db, {}).some((e) => e.action === "user.sign_in" && e.outcome === "denied")).toBe(true);
  });

  it("rate-limits sign-in attempts, even with the right password", async () => {
    await setupAdmin(t);
    const web = t.client();
    await web.get("/login");
    for (let i = 0; i < 5; i++) expect((await web.post("/login", { email: ADMIN.email, password: `wrong ${i} password` })).status).toBe(422);
    const limited = await web.post("/login", { email: ADMIN.email, password: ADMIN.password });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.text).toContain("Too many sign-in attempts");
  });

  it("counts each attempt before checking its password, so parallel guesses cannot all get through", async () => {
    await setupAdmin(t);
    const web = t.client("203.0.113.7");
    await web.get("/login");
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => web.post("/login", { email: ADMIN.email, password: `guess number ${i}` })));
    const checked = replies.filter((r) => r.status === 422).length;
    expect(checked).toBe(5);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(35);
  });

  it("limits guesses per account whatever the address, as a delay of a minute at most", async () => {
    await setupAdmin(t);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const web = t.client(`198.51.100.${i + 1}`);
      await web.get("/login");
      statuses.push((await web.post("/login", { email: ADMIN.email, password: `guess from ${i}` })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([422, 422, 422, 422, 422]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    // The owner, from an address of their own, is delayed, not locked out.
    const owner = t.client("192.0.2.10");
    await owner.get("/login");
    const delayed = await owner.post("/login", { email: ADMIN.email, password: ADMIN.password });
    expect(delayed.status).toBe(429);
    expect(Number(delayed.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Another account is not affected.
    const other = t.client("198.51.100.1");
    await other.get("/login");
    expect((await other.post("/login", { email: "nobody@example.com", password: "some guess" })).status).toBe(422);
  });

  it("audits refused sign-ins as one row per account, counting them", async () => {
    await setupAdmin(t);
    const web = t.client("203.0.113.9");
    await web.get("/login");
    for (let i = 0; i < 20; i++) await web.post("/login", { email: ADMIN.email, password: `wrong ${i} password` });
    const denied = listAudit(t.deps.db, {}).filter((e) => e.action === "user.sign_in" && e.outcome === "denied");
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: ADMIN.email, count: 20 });
    expect(denied[0]!.detail).toBe("5 wrong password, 15 rate limited; last from 203.0.113.9");
  });

  it("audits attempts the address limit stopped as one row for the address, however many accounts they name", async () => {
    await setupAdmin(t);
    const web = t.client("203.0.113.11");
    await web.get("/login");
    for (let i = 0; i < 80; i++) await web.post("/login", { email: `made-up-${i}@example.com`, password: "some guess" });
    const denied = listAudit(t.deps.db, { limit: 200 }).filter((e) => e.action === "user.sign_in" && e.outcome === "denied");
    // 30 password checks (one row per account), then one row for the other 50.
    expect(denied).toHaveLength(31);
    expect(denied[0]).toMatchObject({ actor: "anonymous", count: 50, detail: "50 too many from this address; last from 203.0.113.11" });
  });
});

describe("CSRF protection", () => {
  it("refuses a state-changing form without the token, or from another origin, and changes nothing", async () => {
    const web = await setupAdmin(t);
    const before = listUsers(t.deps.db).length;
    const noToken = await web.post("/users", { name: "Eve", email: "eve@example.com", role: "admin" }, { csrf: null });
    expect(noToken.status).toBe(403);
    const wrongToken = await web.post("/users", { name: "Eve", email: "eve@example.com", role: "admin" }, { csrf: "x".repeat(43) });
    expect(wrongToken.status).toBe(403);
    const crossSite = await web.post("/users", { name: "Eve", email: "eve@example.com", role: "admin" }, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(listUsers(t.deps.db)).toHaveLength(before);
  });

  it("accepts the token in the header HTMX sends", async () => {
    const web = await setupAdmin(t);
    const res = await web.post("/settings/tokens", { name: "from-htmx" }, { csrf: null, headers: { "x-csrf-token": web.csrf, "hx-request": "true" } });
    expect(res.status).toBe(201);
  });
});

describe("invitations and roles", () => {
  it("lets an invited user set a password once and sign in with the invited role", async () => {
    const admin = await setupAdmin(t);
    await admin.get("/users");
    const invite = await admin.post("/users", { name: "Otto", email: "otto@example.com", role: "operator" });
    expect(invite.status).toBe(201);
    const token = /\/invite\/([A-Za-z0-9_-]{43})/.exec(invite.text)![1]!;
    // The link is shown once and stored only as a hash.
    expect(JSON.stringify(listUsers(t.deps.db))).not.toContain(token);
    expect((await admin.get("/users")).text).not.toContain(token);

    const otto = t.client();
    expect((await otto.get(`/invite/${token}`)).text).toContain("operator");
    expect((await otto.post(`/invite/${token}`, { password: "otto's long password" })).status).toBe(303);
    expect((await t.client().get(`/invite/${token}`)).status).toBe(404);
    const nodes = await otto.get("/nodes");
    expect(nodes.status).toBe(200);
    expect(nodes.text).toContain("(operator)");
    expect((await otto.get("/users")).status).toBe(403);
  });

  it("keeps viewers read-only", async () => {
    const admin = await setupAdmin(t);
    const viewer = await addUser(t, admin, "viewer", "vera@example.com");
    expect((await viewer.get("/nodes/credentials")).status).toBe(200);
    const res = await viewer.post("/nodes/credentials", { name: "x", provider: "hetzner", token: "a".repeat(64) });
    expect(res.status).toBe(403);
    expect(res.text).toContain("read-only");
  });

  it("lets the admin change roles but not demote or remove themselves", async () => {
    const admin = await setupAdmin(t);
    await addUser(t, admin, "operator", "olga@example.com");
    const olga = listUsers(t.deps.db).find((u) => u.email === "olga@example.com")!;
    const me = listUsers(t.deps.db).find((u) => u.email === ADMIN.email)!;
    await admin.get("/users");
    expect((await admin.post(`/users/${olga.id}/role`, { role: "viewer" })).status).toBe(303);
    expect(listUsers(t.deps.db).find((u) => u.id === olga.id)!.role).toBe("viewer");
    expect((await admin.post(`/users/${olga.id}/role`, { role: "superuser" })).status).toBe(422);
    expect((await admin.post(`/users/${me.id}/role`, { role: "viewer" })).status).toBe(403);
    expect((await admin.post(`/users/${me.id}/remove`, {})).status).toBe(403);
    expect((await admin.post(`/users/${olga.id}/remove`, {})).status).toBe(303);
    expect(listUsers(t.deps.db).some((u) => u.id === olga.id)).toBe(false);
  });

  it("refuses to remove a user who still has servers, until they are destroyed", async () => {
    const admin = await setupAdmin(t);
    await addUser(t, admin, "operator", "otto@example.com");
    const otto = listUsers(t.deps.db).find((u) => u.email === "otto@example.com")!;
    const spec = { credentialId: null, sshKeyId: null, cloud: "hetzner", region: "fsn1", size: "cx22", image: "ubuntu-24.04", spec: {}, priceMonthly: null };
    const server = insertServer(t.deps.db, { ...spec, userId: otto.id, name: "web", stack: "server-web" });
    await admin.get("/users");
    const refused = await admin.post(`/users/${otto.id}/remove`, {});
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("otto@example.com still has 1 server(s). Destroy them first");
    expect(listUsers(t.deps.db).some((u) => u.id === otto.id)).toBe(true);
    expect(listAudit(t.deps.db, {}).some((e) => e.action === "user.remove" && e.outcome === "ok")).toBe(false);

    updateServer(t.deps.db, server.id, { status: "destroyed" });
    expect((await admin.post(`/users/${otto.id}/remove`, {})).status).toBe(303);
    expect(listUsers(t.deps.db).some((u) => u.id === otto.id)).toBe(false);
  });
});
