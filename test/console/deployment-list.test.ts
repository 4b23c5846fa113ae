// The Deployments list as a page and as the JSON API, over deployments written straight into the
// database: 50 at a time, newest first, with the total and Next/Previous; filters from the URL; a
// bad filter refused naming it; removed ones left out but counted and a link away; node, owner,
// drift and usage read for the whole page, so a page costs the same queries for 50 rows as for 2.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { insertDeployment, type Deployment } from "../../state/deployments.ts";
import { recordCheck, saveSettings } from "../../state/drift.ts";
import { listNodes } from "../../state/nodes.ts";
import { insertOperation } from "../../state/operations.ts";
import { deployments, operations } from "../../state/schema.ts";
import { insertSamples } from "../../state/usage-samples.ts";
import { listUsers } from "../../state/users.ts";
import { api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";
import { seedFleet } from "../support/fleet.ts";
import { queriesOf } from "../support/queries.ts";

let t: TestConsole;
let admin: WebClient;
let adminApi: ReturnType<typeof api>;
const COUNT = 120;
const REMOVED = 3;
const name = (i: number) => `app-${String(i).padStart(5, "0")}`;
const byName = new Map<string, Deployment>();
const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, k) => from - k);

beforeAll(async () => {
  t = startConsole();
  admin = await setupAdmin(t);
  adminApi = api(t, await apiToken(admin));
  const ada = listUsers(t.deps.db)[0]!;
  seedFleet(t.deps.db, { userId: ada.id, credentials: {} }, 2);
  const node = listNodes(t.deps.db, { all: true } as never)[0]!;
  const apps = t.deps.catalog.slice(0, 2).map((a) => a.id);
  const t0 = Date.now() - COUNT * 60_000;
  const seed = (n: string, at: number, status: Deployment["status"]) => {
    const d = insertDeployment(t.deps.db, { userId: ada.id, nodeId: node.id, app: apps[Math.abs(at) % 2]!, name: n, slug: n, stack: `app-${n}`, spec: { image: "x", tag: "1", ports: [], address: node.address } as never });
    t.deps.db.update(deployments).set({ createdAt: new Date(t0 + at * 60_000), status }).where(eq(deployments.id, d.id)).run();
    byName.set(n, d);
  };
  for (let i = 1; i <= REMOVED; i++) seed(`gone-${i}`, i - REMOVED, "removed");
  for (let i = 1; i <= COUNT; i++) seed(name(i), i, i % 10 === 0 ? "failed" : "running");

  // The newest has an open drift report and auto-restore on, the next a failed check, the third
  // two usage samples (the later one is its use).
  const subject = (n: string) => ({ stack: byName.get(n)!.stack, stackKind: "app" as const, userId: ada.id, deploymentId: byName.get(n)!.id });
  recordCheck(t.deps.db, subject(name(COUNT)), null, [{ urn: "urn:pulumi:x::hoist::command:remote:Command::container", name: "container", type: "command:remote:Command", kind: "changed", properties: [] }]);
  saveSettings(t.deps.db, subject(name(COUNT)), { autoRestore: true }, ada.id);
  const check = insertOperation(t.deps.db, { ...subject(name(COUNT - 1)), kind: "drift" });
  t.deps.db.update(operations).set({ status: "failed", error: "the node did not answer", finishedAt: new Date() }).where(eq(operations.id, check.id)).run();
  const sample = (at: number, cpuPercent: number) => ({ nodeId: node.id, deploymentId: byName.get(name(COUNT - 2))!.id, at: new Date(at), cpuPercent, memoryBytes: 1 << 20, memoryTotalBytes: 1 << 30, diskUsedBytes: null, diskTotalBytes: null });
  insertSamples(t.deps.db, [sample(Date.now() - 120_000, 10), sample(Date.now() - 60_000, 42)]);
});

afterAll(() => t?.close());

const names = (html: string) => [...html.matchAll(/id="open-[^"]+"><strong>([^<]+)<\/strong>/g)].map((m) => m[1]!);
const linkOf = (html: string, rel: "next" | "prev") => /<a href="([^"]+)" rel="(\w+)">/g.exec(html) && [...html.matchAll(/<a href="([^"]+)" rel="(\w+)">/g)].find((m) => m[2] === rel)?.[1]?.replace(/&amp;/g, "&");

describe("the Deployments page", () => {
  it("shows 50 at a time, newest first, with the total and Next and Previous", async () => {
    const first = await admin.get("/deployments");
    expect(first.status).toBe(200);
    expect(names(first.text)).toEqual(range(COUNT, COUNT - 49).map(name));
    expect(first.text).toContain(`1–50 of ${COUNT} deployments`);
    const second = await admin.get(linkOf(first.text, "next")!);
    expect(names(second.text)).toEqual(range(COUNT - 50, COUNT - 99).map(name));
    const back = await admin.get(linkOf(second.text, "prev")!);
    expect(names(back.text)).toEqual(names(first.text));
  });

  it("filters by status, app and name from the URL, and refuses a bad filter with 422 naming it", async () => {
    const failed = await admin.get("/deployments?status=failed");
    expect(names(failed.text)).toEqual(range(COUNT, 1).filter((i) => i % 10 === 0).map(name));
    const app = t.deps.catalog[0]!.id;
    const byApp = await admin.get(`/deployments?app=${app}&q=app-0001`);
    expect(names(byApp.text)).toEqual(range(19, 10).filter((i) => i % 2 === 0).map(name));
    const bad = await admin.get("/deployments?status=sleeping");
    expect(bad.status).toBe(422);
    expect(bad.text).toContain("must be one of");
    expect((await admin.get("/deployments?app=no-such-app")).status).toBe(422);
  });

  it("costs the same queries for 50 deployments as for 2", async () => {
    const count = (url: string) => queriesOf(t.deps.db, async () => expect((await admin.get(url)).status).toBe(200));
    expect(await count("/deployments")).toBe(await count("/deployments?limit=2"));
  });

  it("leaves removed deployments out, says how many, and lists them under status=removed", async () => {
    const list = await admin.get("/deployments");
    expect(names(list.text)).not.toContain("gone-1");
    expect(list.text).toMatch(/<p class="muted small" id="removed-note">3 removed deployments are not listed here\. <a href="\/deployments\?status=removed">Show removed deployments<\/a><\/p>/);
    const removed = await admin.get("/deployments?status=removed");
    expect(names(removed.text)).toEqual(["gone-3", "gone-2", "gone-1"]);
    expect(removed.text).not.toContain('id="removed-note"');
    // The other filters stay on the way to the removed ones.
    const app = t.deps.catalog[0]!.id;
    const byApp = await admin.get(`/deployments?app=${app}&q=gone`);
    expect(byApp.text).toContain("No deployments match these filters");
    const gone = [...byName.values()].filter((d) => d.name.startsWith("gone-") && d.app === app).length;
    expect(byApp.text).toContain(`${gone} removed deployment${gone === 1 ? " is" : "s are"} not listed here. <a href="/deployments?app=${app}&amp;q=gone&amp;status=removed">`);
  });
});

describe("GET /api/v1/deployments", () => {
  it("pages with limit and cursor until next is null, every deployment once, and answers 422 naming a bad parameter", async () => {
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await adminApi.get(`/deployments?limit=40${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { deployments: { name: string }[]; total: number; next: string | null };
      expect(body.total).toBe(COUNT);
      seen.push(...body.deployments.map((d) => d.name));
      cursor = body.next;
    }
    expect(seen).toEqual(range(COUNT, 1).map(name));
    const bad = await adminApi.get("/deployments?limit=0&status=nope");
    expect(bad.status).toBe(422);
    const text = JSON.stringify(await bad.json());
    expect(text).toContain("limit");
    expect(text).toContain("status");
  });

  it("shows each row as GET /deployments/:id does, drift and usage included, in the same queries for 50 rows as for 2", async () => {
    const page = (await adminApi.get("/deployments?limit=5")).json<{ deployments: { id: string; name: string }[] }>().deployments;
    expect(page.map((d) => d.name)).toEqual(range(COUNT, COUNT - 4).map(name));
    for (const row of page) {
      const { operations: _ops, ...one } = (await adminApi.get(`/deployments/${row.id}`)).json();
      expect(row, row.name).toEqual(one);
    }
    const [drifted, unchecked, used] = page as unknown as { drift: Record<string, unknown>; usage: { cpuPercent: number } | null }[];
    expect(drifted!.drift).toMatchObject({ state: "drifted", summary: { changed: 1 }, autoRestore: true });
    expect(unchecked!.drift).toMatchObject({ state: "failed", checkError: "the node did not answer" });
    expect(used!.usage?.cpuPercent).toBe(42);

    const count = (url: string) => queriesOf(t.deps.db, async () => expect((await adminApi.get(url)).status).toBe(200));
    expect(await count("/deployments?limit=50")).toBe(await count("/deployments?limit=2"));
  });

  it("counts the removed ones it leaves out, and lists them with status=removed", async () => {
    const all = (await adminApi.get("/deployments?limit=1")).json<{ total: number; removedHidden: number }>();
    expect(all).toMatchObject({ total: COUNT, removedHidden: REMOVED });
    const removed = (await adminApi.get("/deployments?status=removed")).json<{ deployments: { name: string; status: string }[]; total: number; removedHidden: number }>();
    expect(removed.deployments.map((d) => [d.name, d.status])).toEqual(["gone-3", "gone-2", "gone-1"].map((n) => [n, "removed"]));
    expect(removed).toMatchObject({ total: REMOVED, removedHidden: 0 });
  });
});
