// The Deployments list as a page and as the JSON API, over deployments written straight into the
// database: 50 at a time, newest first, with the total and Next/Previous; filters from the URL; a
// bad filter refused naming it; node and owner joined, so a page costs the same queries for 50
// rows as for 2.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { insertDeployment } from "../../state/deployments.ts";
import { listNodes } from "../../state/nodes.ts";
import { deployments } from "../../state/schema.ts";
import { listUsers } from "../../state/users.ts";
import { api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";
import { seedFleet } from "../support/fleet.ts";

let t: TestConsole;
let admin: WebClient;
let adminApi: ReturnType<typeof api>;
const COUNT = 120;
const name = (i: number) => `app-${String(i).padStart(5, "0")}`;
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
  for (let i = 1; i <= COUNT; i++) {
    const d = insertDeployment(t.deps.db, { userId: ada.id, nodeId: node.id, app: apps[i % 2]!, name: name(i), slug: name(i), stack: `app-${name(i)}`, spec: { image: "x", tag: "1", ports: [], address: node.address } as never });
    t.deps.db.update(deployments).set({ createdAt: new Date(t0 + i * 60_000), status: i % 10 === 0 ? "failed" : "running" }).where(eq(deployments.id, d.id)).run();
  }
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
    const count = async (url: string) => {
      const client = t.deps.db.$client;
      const prepare = client.prepare;
      let n = 0;
      client.prepare = ((sql: string) => {
        n++;
        return prepare.call(client, sql);
      }) as typeof prepare;
      try {
        expect((await admin.get(url)).status).toBe(200);
      } finally {
        client.prepare = prepare;
      }
      expect(n).toBeGreaterThan(2);
      return n;
    };
    expect(await count("/deployments")).toBe(await count("/deployments?limit=2"));
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
});
