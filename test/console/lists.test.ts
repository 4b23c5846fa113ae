// The long lists, Cloud Servers and Nodes, as pages and as the JSON API, over a fleet written
// straight into the database (test/support/fleet.ts): a page at a time with the total, Next and
// Previous, filters that live in the URL, bad filters refused naming the field, each reader
// seeing only what is theirs, and a page costing the same few queries whatever it shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertCredential } from "../../state/credentials.ts";
import { credentialSecretRef } from "../../state/sealed-columns.ts";
import { sealJson } from "../../state/secrets.ts";
import { listServers, updateServer } from "../../state/servers.ts";
import { listUsers } from "../../state/users.ts";
import { addUser, api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";
import { queriesOf } from "../support/queries.ts";
import { seedFleet } from "../support/fleet.ts";

let t: TestConsole;
let admin: WebClient;
let adminApi: ReturnType<typeof api>;
let olga: WebClient;
let olgaApi: ReturnType<typeof api>;
let vera: WebClient;

const FLEET = 120;
const OLGAS = 7;

beforeAll(async () => {
  t = startConsole();
  admin = await setupAdmin(t);
  adminApi = api(t, await apiToken(admin));
  olga = await addUser(t, admin, "operator", "olga@example.com");
  olgaApi = api(t, await apiToken(olga));
  vera = await addUser(t, admin, "viewer", "vera@example.com");
  const users = listUsers(t.deps.db);
  const ada = users.find((u) => u.role === "admin")!;
  const credentialId = crypto.randomUUID();
  insertCredential(t.deps.db, { id: credentialId, userId: ada.id, name: "main", cloud: "hetzner", secret: sealJson(t.deps.keyring, { token: "x" }, credentialSecretRef(credentialId)), settings: {} });
  // Olga's are older than all of Ada's: Ada's first page is hers alone.
  seedFleet(t.deps.db, { userId: users.find((u) => u.email === "olga@example.com")!.id, credentials: {} }, OLGAS, { prefix: "olga", endAt: Date.now() - 10 * 86_400_000 });
  seedFleet(t.deps.db, { userId: ada.id, credentials: { hetzner: credentialId } }, FLEET);
});

afterAll(() => t?.close());

const unescape = (s: string) => s.replace(/&amp;/g, "&");
const serverNames = (html: string) => [...html.matchAll(/id="open-[^"]+"><strong>([^<]+)<\/strong>/g)].map((m) => m[1]!);
const nodeNames = (html: string) => [...html.matchAll(/<tr id="node-[^"]+"><td>(?:<a [^>]*>)?<strong>([^<]+)<\/strong>/g)].map((m) => m[1]!);
const linkOf = (html: string, rel: "next" | "prev") => {
  const href = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html)?.[1];
  return href && unescape(href);
};
const web = (i: number) => `web-${String(i).padStart(5, "0")}`;
const range = (from: number, to: number) => Array.from({ length: Math.abs(to - from) + 1 }, (_, k) => (from <= to ? from + k : from - k));

describe("the Cloud Servers page", () => {
  it("shows 50 servers at a time, newest first, with the total and Next and Previous links that keep their place", async () => {
    const first = await admin.get("/nodes/cloud");
    expect(first.status).toBe(200);
    expect(serverNames(first.text)).toEqual(range(FLEET, FLEET - 49).map(web));
    expect(first.text).toContain(`1–50 of ${FLEET + OLGAS} servers`);
    expect(first.text).toMatch(/<span class="muted" aria-disabled="true">← Previous<\/span>/);
    const second = await admin.get(linkOf(first.text, "next")!);
    expect(serverNames(second.text)).toEqual(range(FLEET - 50, FLEET - 99).map(web));
    expect(second.text).toContain(`51–100 of ${FLEET + OLGAS} servers`);
    const third = await admin.get(linkOf(second.text, "next")!);
    expect(serverNames(third.text)).toEqual([...range(FLEET - 100, 1).map(web), ...range(OLGAS, 1).map((i) => `olga-${String(i).padStart(5, "0")}`)]);
    expect(third.text).toContain(`101–${FLEET + OLGAS} of ${FLEET + OLGAS} servers`);
    expect(linkOf(third.text, "next")).toBeUndefined();
    // Back from the last page, then back again: the same pages as on the way there.
    const back = await admin.get(linkOf(third.text, "prev")!);
    expect(serverNames(back.text)).toEqual(serverNames(second.text));
    expect(serverNames((await admin.get(linkOf(back.text, "prev")!)).text)).toEqual(serverNames(first.text));
    // The owner is named to the admin for servers that are not theirs.
    expect(third.text).toMatch(/<strong>olga-00001<\/strong><\/a><div class="muted small">olga@example.com<\/div>/);
  });

  it("filters by status, provider and name from the URL, keeping the filters in the links and the refresh", async () => {
    const failed = await admin.get("/nodes/cloud?status=failed");
    expect(serverNames(failed.text)).toEqual([web(100), web(50)]);
    expect(failed.text).toContain("2 servers");
    expect(failed.text).toContain('<option value="failed" selected="">failed</option>');
    expect(failed.text).toContain('<a href="/nodes/cloud">Clear filters</a>');

    const aws = await admin.get("/nodes/cloud?cloud=aws&q=web-000");
    const expected = range(99, 1).filter((i) => i % 3 === 2).map(web);
    expect(serverNames(aws.text)).toEqual(expected);
    expect(aws.text).toContain(`${expected.length} servers`);
    expect(aws.text).toMatch(/id="f-q"[^>]*value="web-000"/);

    const stopped = await admin.get("/nodes/cloud?status=ready&limit=10");
    expect(stopped.text).toContain(`1–10 of ${FLEET - 5 + OLGAS} servers`);
    const next = linkOf(stopped.text, "next")!;
    expect(next).toMatch(/^\/nodes\/cloud\?status=ready&limit=10&cursor=[A-Za-z0-9_-]+$/);
    const page2 = await admin.get(next);
    expect(page2.text).toContain(`11–20 of ${FLEET - 5 + OLGAS} servers`);
    expect(serverNames(page2.text).every((n) => !["web-00100", "web-00080"].includes(n))).toBe(true);

    // A search for % or _ means those characters, not LIKE's wildcards.
    expect((await admin.get("/nodes/cloud?q=%25")).text).toContain("No servers match these filters");
    expect((await admin.get("/nodes/cloud?q=web_0")).text).toContain("No servers match these filters");
  });

  it("refreshes the page it shows while a server on it is busy", async () => {
    const [busy] = listServers(t.deps.db, { userId: "", all: true }).filter((s) => s.name === web(FLEET - 60));
    updateServer(t.deps.db, busy!.id, { status: "creating" });
    try {
      const first = await admin.get("/nodes/cloud");
      expect(first.text).not.toContain('hx-trigger="every 3s"');
      const second = await admin.get(linkOf(first.text, "next")!);
      const refresh = unescape(/id="servers-table" hx-get="([^"]+)" hx-trigger="every 3s"/.exec(second.text)?.[1] ?? "");
      expect(refresh).toMatch(/^\/nodes\/cloud\/table\?cursor=/);
      const table = await admin.get(refresh);
      expect(table.text).toMatch(/^<div id="servers-table"/);
      expect(serverNames(table.text)).toEqual(serverNames(second.text));
    } finally {
      updateServer(t.deps.db, busy!.id, { status: "ready" });
    }
  });

  it("refuses a bad filter with 422, the form showing which field is wrong", async () => {
    const bad = await admin.get("/nodes/cloud?status=running&cloud=azure");
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/id="f-status-error"[^>]*>must be one of pending, creating, configuring, ready/);
    expect(bad.text).toMatch(/id="f-cloud-error"[^>]*>must be one of hetzner, digitalocean, aws/);
    expect(serverNames(bad.text)).toEqual([]);
    const cursor = await admin.get("/nodes/cloud?cursor=not-a-cursor");
    expect(cursor.status).toBe(422);
    expect(cursor.text).toContain("cursor: is not a cursor of this list; start again from its first page");
    const long = await admin.get(`/nodes/cloud?q=${"x".repeat(65)}`);
    expect(long.status).toBe(422);
    expect(long.text).toMatch(/id="f-q-error"[^>]*>must be at most 64 characters/);
  });

  it("costs the same queries for 50 servers as for 2", async () => {
    // More than the session, the credentials, the page's rows and counts.
    const count = (url: string) => queriesOf(t.deps.db, async () => expect((await admin.get(url)).status).toBe(200), 3);
    const nextOf = async (url: string) => linkOf((await admin.get(url)).text, "next")!;
    expect(await count("/nodes/cloud")).toBe(await count("/nodes/cloud?status=failed"));
    expect(await count(await nextOf("/nodes/cloud"))).toBe(await count(await nextOf("/nodes/cloud?status=ready&limit=2")));
    expect(await count("/nodes")).toBe(await count("/nodes?state=offline"));
    expect(await count(await nextOf("/nodes"))).toBe(await count(await nextOf("/nodes?state=offline&limit=2")));
  });
});

describe("the Nodes page", () => {
  it("lists nodes by name, a page at a time, with state, cloud and name-or-address filters", async () => {
    const first = await admin.get("/nodes");
    const total = FLEET - 2 + OLGAS;
    expect(first.text).toContain(`1–50 of ${total} nodes`);
    expect(nodeNames(first.text)).toEqual(range(1, OLGAS).map((i) => `olga-${String(i).padStart(5, "0")}`).concat(range(1, 50 - OLGAS).map(web)));
    const second = await admin.get(linkOf(first.text, "next")!);
    expect(second.text).toContain(`51–100 of ${total} nodes`);
    expect(nodeNames(second.text)[0]).toBe(web(50 - OLGAS + 1));

    const offline = await admin.get("/nodes?state=offline");
    expect(nodeNames(offline.text)).toEqual([web(40), web(80), web(97), web(120)]);
    expect(offline.text).toContain("the server is stopped");
    const byAddress = await admin.get("/nodes?q=127.2.0.97");
    expect(nodeNames(byAddress.text)).toEqual([web(97)]);
    const dos = await admin.get("/nodes?cloud=digitalocean&q=web-0001");
    expect(nodeNames(dos.text)).toEqual(range(10, 19).filter((i) => i % 3 === 1).map(web));

    const bad = await admin.get("/nodes?state=ready");
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/id="f-state-error"[^>]*>must be one of unknown, online, offline/);
  });

  it("sends a check done without JavaScript back to the page it came from", async () => {
    const page = await admin.get("/nodes?state=offline");
    expect(page.text).toMatch(/<input type="hidden" name="back" value="\/nodes\?state=offline"\/?>/);
  });
});

describe("the JSON API", () => {
  it("pages /servers with limit and cursor until next is null, every server once, newest first", async () => {
    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const res = await adminApi.get(`/servers?limit=25${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status, res.text).toBe(200);
      const body = res.json();
      expect(body.total).toBe(FLEET + OLGAS);
      expect(body.prev === null).toBe(pages === 0);
      seen.push(...body.servers);
      cursor = body.next;
      pages++;
    }
    expect(pages).toBe(Math.ceil((FLEET + OLGAS) / 25));
    expect(new Set(seen.map((s) => s.id)).size).toBe(FLEET + OLGAS);
    expect(seen.map((s) => s.createdAt)).toEqual(seen.map((s) => s.createdAt).sort().reverse());
    const withNode = (await adminApi.get("/servers?q=web-00001&limit=1")).json().servers[0];
    expect(withNode).toMatchObject({ name: "web-00001", provider: "digitalocean", status: "ready", node: { address: "127.2.0.1", state: "online" } });
  });

  it("walks back with prev to the same pages", async () => {
    const one = (await adminApi.get("/servers?status=ready&limit=30")).json();
    const two = (await adminApi.get(`/servers?status=ready&limit=30&cursor=${one.next}`)).json();
    const back = (await adminApi.get(`/servers?status=ready&limit=30&cursor=${two.prev}`)).json();
    expect(back.servers.map((s: { id: string }) => s.id)).toEqual(one.servers.map((s: { id: string }) => s.id));
    expect(back.prev).toBeNull();
  });

  it("answers 422 naming each bad parameter", async () => {
    const bad = await adminApi.get("/servers?status=up&limit=0&cursor=%%%");
    expect(bad.status).toBe(422);
    expect(bad.json().error.code).toBe("invalid_input");
    expect(bad.json().error.fields).toEqual([
      { field: "status", message: "must be one of pending, creating, configuring, ready, updating, stopping, stopped, starting, failed, destroying, destroyed" },
      { field: "limit", message: "must be at least 1" },
      { field: "cursor", message: "is not a cursor of this list; start again from its first page" },
    ]);
    expect((await adminApi.get("/servers?limit=201")).json().error.fields).toEqual([{ field: "limit", message: "must be at most 200" }]);
    expect((await adminApi.get("/servers?limit=ten")).json().error.fields).toEqual([{ field: "limit", message: "must be a number" }]);
    // A cursor of the Nodes list is not one of the servers list.
    const nodesNext = (await adminApi.get("/nodes?limit=5")).json().next;
    expect((await adminApi.get(`/servers?cursor=${nodesNext}`)).json().error.fields).toEqual([{ field: "cursor", message: "is not a cursor of this list; start again from its first page" }]);
    expect((await adminApi.get("/nodes?state=lost")).json().error.fields).toEqual([{ field: "state", message: "must be one of unknown, online, offline" }]);
  });

  it("costs the same queries for 50 servers or nodes as for 2, each row as the server or node alone shows it", async () => {
    const count = (path: string) => queriesOf(t.deps.db, async () => expect((await adminApi.get(path)).status).toBe(200), 3);
    expect(await count("/servers?limit=50")).toBe(await count("/servers?limit=2"));
    expect(await count("/servers?limit=200")).toBe(await count("/servers?status=stopped&limit=2"));
    expect(await count("/nodes?limit=50")).toBe(await count("/nodes?limit=2"));
    const servers = (await adminApi.get("/servers?limit=3")).json().servers as { id: string }[];
    for (const s of servers) {
      const { operations: _, ...alone } = (await adminApi.get(`/servers/${s.id}`)).json();
      expect(alone).toEqual(s);
    }
    const nodes = (await adminApi.get("/nodes?limit=3")).json().nodes as { id: string }[];
    for (const n of nodes) expect((await adminApi.get(`/nodes/${n.id}`)).json()).toEqual(n);
  });

  it("lists /nodes by name with their server's status, and one node by id", async () => {
    const res = (await adminApi.get("/nodes?q=web-0012")).json();
    expect(res.nodes.map((n: { name: string }) => n.name)).toEqual(["web-00120"]);
    expect(res.nodes[0]).toMatchObject({ name: "web-00120", serverStatus: "stopped", state: "offline", stateReason: "the server is stopped", provider: "hetzner", sshUser: "root" });
    expect(res).toMatchObject({ total: 1, next: null, prev: null });
    const one = await adminApi.get(`/nodes/${res.nodes[0].id}`);
    expect(one.json()).toEqual(res.nodes[0]);
  });
});

describe("whose rows a reader sees", () => {
  it("shows an operator only their own servers and nodes, counted alone; another's node answers 404", async () => {
    const page = await olga.get("/nodes/cloud");
    expect(page.text).toContain(`${OLGAS} servers`);
    expect(serverNames(page.text)).toEqual(range(OLGAS, 1).map((i) => `olga-${String(i).padStart(5, "0")}`));
    expect(page.text).not.toContain("olga@example.com");
    expect((await olga.get("/nodes")).text).toContain(`${OLGAS} nodes`);
    const servers = (await olgaApi.get("/servers?limit=200")).json();
    expect(servers.total).toBe(OLGAS);
    expect(servers.servers.every((s: { name: string }) => s.name.startsWith("olga-"))).toBe(true);
    const nodes = (await olgaApi.get("/nodes?limit=200")).json();
    expect(nodes.total).toBe(OLGAS);
    expect((await olgaApi.get("/servers?q=web")).json().total).toBe(0);
    const adasNode = (await adminApi.get("/nodes?q=web-00001&limit=1")).json().nodes[0].id;
    expect((await olgaApi.get(`/nodes/${adasNode}`)).status).toBe(404);
    // A cursor made from Ada's rows shows Olga nothing of Ada's.
    const adasCursor = (await adminApi.get("/servers?limit=3")).json().next;
    expect(serverNamesOf((await olgaApi.get(`/servers?cursor=${adasCursor}`)).json())).toEqual(range(OLGAS, 1).map((i) => `olga-${String(i).padStart(5, "0")}`));
  });

  it("shows a viewer everyone's, with the owners named", async () => {
    const page = await vera.get("/nodes/cloud?q=olga-00001");
    expect(page.text).toMatch(/<strong>olga-00001<\/strong><\/a><div class="muted small">olga@example.com<\/div>/);
    expect((await vera.get("/nodes")).text).toContain(`of ${FLEET - 2 + OLGAS} nodes`);
    expect((await vera.get("/nodes")).text).not.toContain("Check now");
  });
});

const serverNamesOf = (body: { servers: { name: string }[] }) => body.servers.map((s) => s.name);
