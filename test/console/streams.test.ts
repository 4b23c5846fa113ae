// Live streams (SSE) are bounded per user and end with what authorised them: signing out, a role
// change, a revoked API token. Events are read a page at a time, by the API and by the pages.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertEvent, insertOperation, updateOperation } from "../../state/operations.ts";
import { insertServer } from "../../state/servers.ts";
import { listUsers } from "../../state/users.ts";
import { MAX_STREAMS_PER_USER } from "../../server/streams.ts";
import { addUser, api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";

let t: TestConsole;
beforeEach(() => {
  t = startConsole();
});
afterEach(() => t.close());

/** A server of `userId` with an operation that is running (nothing runs it: the engine is not started). */
function runningOperation(userId: string) {
  const server = insertServer(t.deps.db, { userId, credentialId: null, sshKeyId: null, name: `web-${Math.random().toString(36).slice(2, 8)}`, stack: `server-${Math.random().toString(36).slice(2, 10)}`, cloud: "hetzner", region: "fsn1", size: "cx22", image: "debian-12", spec: {}, priceMonthly: null });
  const op = insertOperation(t.deps.db, { kind: "up", stackKind: "server", stack: server.stack, serverId: server.id, userId });
  updateOperation(t.deps.db, op.id, { status: "running", startedAt: new Date() });
  return { serverId: server.id, operationId: op.id };
}

async function openStream(web: WebClient, o: { serverId: string; operationId: string }) {
  const headers = new Headers({ cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; "), accept: "text/event-stream" });
  const res = await t.app.request(`http://localhost/nodes/cloud/${o.serverId}/events?op=${o.operationId}&after=0&v=x`, { headers });
  return { status: res.status, reader: res.status === 200 ? res.body!.getReader() : undefined, text: res.status === 200 ? "" : await res.text() };
}

/** Whether the stream ends within `ms` (keep-alives come only every 15 s). */
async function ends(reader: ReadableStreamDefaultReader<Uint8Array>, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await Promise.race([reader.read(), new Promise<"timeout">((res) => setTimeout(() => res("timeout"), Math.max(0, until - Date.now())))]);
    if (r === "timeout") return false;
    if (r.done) return true;
  }
}

const userId = (email: string) => listUsers(t.deps.db).find((u) => u.email === email)!.id;

describe("live streams", () => {
  it("end when their session signs out", async () => {
    const admin = await setupAdmin(t);
    const otto = await addUser(t, admin, "operator", "otto@example.com");
    const { reader } = await openStream(otto, runningOperation(userId("otto@example.com")));
    expect(t.deps.streams.count(userId("otto@example.com"))).toBe(1);
    await otto.post("/logout", {});
    expect(await ends(reader!)).toBe(true);
    expect(t.deps.streams.count(userId("otto@example.com"))).toBe(0);
  });

  it("end when the user's role changes, and only theirs", async () => {
    const admin = await setupAdmin(t);
    const otto = await addUser(t, admin, "operator", "otto@example.com");
    const op = runningOperation(userId("otto@example.com"));
    const ottoStream = await openStream(otto, op);
    const adminStream = await openStream(admin, op);
    await admin.get("/users");
    expect((await admin.post(`/users/${userId("otto@example.com")}/role`, { role: "viewer" })).status).toBe(303);
    expect(await ends(ottoStream.reader!)).toBe(true);
    expect(await ends(adminStream.reader!, 300)).toBe(false);
    await adminStream.reader!.cancel();
  });

  it(`are at most ${MAX_STREAMS_PER_USER} per user; the next is refused with 429 until one closes`, async () => {
    const admin = await setupAdmin(t);
    const op = runningOperation(userId("ada@example.com"));
    const open = [];
    for (let i = 0; i < MAX_STREAMS_PER_USER; i++) open.push(await openStream(admin, op));
    expect(open.every((s) => s.status === 200)).toBe(true);
    const refused = await openStream(admin, op);
    expect(refused.status).toBe(429);
    await open.pop()!.reader!.cancel();
    await new Promise((r) => setTimeout(r, 50));
    const again = await openStream(admin, op);
    expect(again.status).toBe(200);
    for (const s of [...open, again]) await s.reader!.cancel();
  });

  it("end through the API when their token is revoked", async () => {
    const admin = await setupAdmin(t);
    const token = await apiToken(admin, "streamer");
    const op = runningOperation(userId("ada@example.com"));
    const res = await t.app.request(`http://localhost/api/v1/operations/${op.operationId}/events`, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const id = (await api(t, token).get("/tokens")).json().tokens[0].id;
    await admin.get("/settings/tokens");
    expect((await admin.post(`/settings/tokens/${id}/revoke`, {})).status).toBe(303);
    expect(await ends(reader)).toBe(true);
  });
});

describe("events a page at a time", () => {
  function manyEvents(n: number) {
    const op = runningOperation(userId("ada@example.com"));
    const at = new Date();
    t.deps.db.transaction(() => {
      for (let seq = 1; seq <= n; seq++) insertEvent(t.deps.db, { operationId: op.operationId, seq, type: "log", payload: { type: "log", text: `line ${seq}` }, at });
    });
    return op;
  }

  it("through the API with ?after= and a limit, saying where the next page starts", async () => {
    const admin = await setupAdmin(t);
    const client = api(t, await apiToken(admin));
    const op = manyEvents(3000);
    const first = (await client.get(`/operations/${op.operationId}/events?after=0`)).json();
    expect(first.events).toHaveLength(500);
    expect(first.events.at(-1).seq).toBe(500);
    expect(first.next).toBe(500);
    const big = (await client.get(`/operations/${op.operationId}/events?after=2500&limit=1000`)).json();
    expect(big.events.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 500 }, (_, i) => 2501 + i));
    expect(big.next).toBeNull();
    const tooMany = await client.get(`/operations/${op.operationId}/events?after=0&limit=100000`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.json().error.fields).toEqual([{ field: "limit", message: "must be at most 1000" }]);
  });

  it("on the server page, which holds the newest lines and says how many came before", async () => {
    const admin = await setupAdmin(t);
    const op = manyEvents(3000);
    const page = await admin.get(`/nodes/cloud/${op.serverId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("… 2600 earlier lines (the JSON API has all of them)");
    expect(page.text).toContain("line 3000");
    expect(page.text).not.toContain(">line 2600<");
    expect(page.text.match(/class="line line-info"/g)).toHaveLength(400);
  });
});
