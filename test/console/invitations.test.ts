// Invitation links: their token never reaches a log, and a link accepted twice at once makes one
// account with one password.
import { afterEach, beforeEach, expect, it } from "vitest";
import { verifyPassword } from "../../server/auth/passwords.ts";
import { listUsers } from "../../state/users.ts";
import { setupAdmin, startConsole, type TestConsole } from "../support/console.ts";

let t: TestConsole;
beforeEach(() => {
  t = startConsole(); // logs at debug level, every request included
});
afterEach(() => t.close());

async function invite(email = "otto@example.com"): Promise<string> {
  const admin = await setupAdmin(t);
  await admin.get("/users");
  const res = await admin.post("/users", { name: "Otto", email, role: "operator" });
  return /\/invite\/([A-Za-z0-9_-]{43})/.exec(res.text)![1]!;
}

it("keeps the invitation token out of request and error logs", async () => {
  const token = await invite();
  const web = t.client();
  await web.get(`/invite/${token}`);
  // A request that fails while the link is looked up is logged with its path.
  t.deps.db.$client.exec("ALTER TABLE users RENAME COLUMN invite_token_hash TO broken");
  const failed = await web.get(`/invite/${token}`);
  t.deps.db.$client.exec("ALTER TABLE users RENAME COLUMN broken TO invite_token_hash");
  expect(failed.status).toBe(500);
  expect((await web.post(`/invite/${token}`, { password: "otto's long password" })).status).toBe(303);

  const logs = t.logs.join("");
  expect(logs).toContain('"path":"/invite/[secret]"');
  expect(logs).toContain('"msg":"request failed"');
  expect(logs).not.toContain(token);
});

it("accepts a link once when two accepts race each other", async () => {
  const token = await invite();
  const [a, b] = [t.client(), t.client()];
  await a.get(`/invite/${token}`);
  await b.get(`/invite/${token}`);
  const [ra, rb] = await Promise.all([a.post(`/invite/${token}`, { password: "first long password" }), b.post(`/invite/${token}`, { password: "second long password" })]);
  expect([ra.status, rb.status].sort()).toEqual([303, 404]);
  const otto = listUsers(t.deps.db).find((u) => u.email === "otto@example.com")!;
  expect(otto.state).toBe("active");
  const winner = ra.status === 303 ? "first long password" : "second long password";
  expect(await verifyPassword(winner, otto.passwordHash!)).toBe(true);
  // Only the winner is signed in.
  const [wa, wb] = await Promise.all([a.get("/nodes"), b.get("/nodes")]);
  expect([wa.status, wb.status].sort()).toEqual([200, 303]);
});
