// The Drift page and GET /api/v1/drift a page at a time, over drift reports written straight into
// the database as checks write them (state/drift.ts recordCheck): open ones 50 a page, newest
// found first, with the total and Next/Previous; the reports closed lately under them; a bad
// cursor refused naming it; a page costs the same queries for 50 reports as for 2.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { insertRemediation } from "../../state/drift-remediations.ts";
import { recordCheck, type DriftedResource } from "../../state/drift.ts";
import { driftRemediations, servers } from "../../state/schema.ts";
import { listUsers } from "../../state/users.ts";
import { api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";
import { seedFleet } from "../support/fleet.ts";
import { queriesOf } from "../support/queries.ts";

let t: TestConsole;
let admin: WebClient;
let adminApi: ReturnType<typeof api>;
const FLEET = 90;
// Every 3rd server's report is closed by a clean check a minute after it was found.
const closedOne = (i: number) => i % 3 === 0;
const OPEN = FLEET - FLEET / 3;
const web = (i: number) => `web-${String(i).padStart(5, "0")}`;
const t0 = Date.now() - 10 * FLEET * 60_000;
const ids = new Map<string, string>();

const findings = (i: number): DriftedResource[] => [
  { urn: `urn:pulumi:s::hoist::hcloud:index/server:Server::${i}`, name: "server", type: "hcloud:index/server:Server", kind: "changed", properties: [{ property: "serverType", declared: "cx22", actual: `cx${i}` }] },
  ...(i % 2 ? [{ urn: `urn:pulumi:s::hoist::hcloud:index/firewall:Firewall::${i}`, name: "firewall", type: "hcloud:index/firewall:Firewall", kind: "deleted" as const, properties: [] }] : []),
];

beforeAll(async () => {
  t = startConsole();
  admin = await setupAdmin(t);
  adminApi = api(t, await apiToken(admin));
  const ada = listUsers(t.deps.db)[0]!;
  seedFleet(t.deps.db, { userId: ada.id, credentials: {} }, FLEET);
  const rows = t.deps.db.select().from(servers).orderBy(servers.name).all();
  rows.forEach((s, k) => {
    const i = k + 1;
    const subject = { stack: s.stack, stackKind: "server" as const, userId: ada.id, serverId: s.id };
    // Found in order of their names; the closed ones closed in the reverse order.
    const { report } = recordCheck(t.deps.db, subject, null, findings(i), new Date(t0 + i * 60_000)) as { report: { id: string } };
    ids.set(s.name, report.id);
    if (closedOne(i)) recordCheck(t.deps.db, subject, null, [], new Date(t0 + (3 * FLEET - i) * 60_000));
  });
  // Two remediations of the newest open one: a failed Restore, then an Accept being previewed.
  const newest = ids.get(web(FLEET - 1))!;
  const failed = insertRemediation(t.deps.db, { reportId: newest, userId: ada.id, action: "restore", status: "failed" });
  t.deps.db.update(driftRemediations).set({ createdAt: new Date(Date.now() - 60_000) }).where(eq(driftRemediations.id, failed.id)).run();
  insertRemediation(t.deps.db, { reportId: newest, userId: ada.id, action: "accept", status: "previewing" });
});

afterAll(() => t?.close());

const range = (from: number, to: number) => Array.from({ length: Math.abs(from - to) + 1 }, (_, k) => (from > to ? from - k : from + k));
const openNames = range(FLEET, 1).filter((i) => !closedOne(i)).map(web);
const cards = (html: string) => [...html.matchAll(/<article class="card drift-report" id="report-[^"]+">\s*<div class="server-title"><h3><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!);
const linkOf = (html: string, rel: "next" | "prev") => [...html.matchAll(/<a href="([^"]+)" rel="(\w+)">/g)].find((m) => m[2] === rel)?.[1]?.replace(/&amp;/g, "&");

describe("the Drift page", () => {
  it("shows the open reports 50 at a time, newest found first, with the total and Next and Previous", async () => {
    const first = await admin.get("/drift");
    expect(first.status).toBe(200);
    expect(cards(first.text)).toEqual(openNames.slice(0, 50));
    expect(first.text).toContain(`1–50 of ${OPEN} open reports`);
    // A remediation is under way on this page: its body refreshes itself, this very page.
    expect(first.text).toContain('<div id="drift-body" hx-get="/drift/body" hx-trigger="every 3s"');
    const second = await admin.get(linkOf(first.text, "next")!);
    expect(cards(second.text)).toEqual(openNames.slice(50));
    expect(second.text).toContain(`51–${OPEN} of ${OPEN} open reports`);
    const back = await admin.get(linkOf(second.text, "prev")!);
    expect(cards(back.text)).toEqual(cards(first.text));
  });

  it("shows each report's resources and its remediation under way, and the 20 closed lately, newest closed first", async () => {
    const page = (await admin.get("/drift")).text;
    const card = page.slice(page.indexOf(`id="report-${ids.get(web(FLEET - 1))}"`));
    expect(card.slice(0, card.indexOf("</article>"))).toMatch(/serverType.*cx22.*cx89.*firewall.*deleted out of band/s);
    expect(card.slice(0, card.indexOf("</article>"))).toContain("Previewing Accept");
    const closed = page.slice(page.indexOf("<h2>Closed lately</h2>"));
    const closedNames = [...closed.matchAll(/<td><a href="\/nodes\/cloud\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(closedNames).toEqual(range(3, 60).filter(closedOne).map(web));
  });

  it("refuses a cursor of another list with 422, naming it", async () => {
    const bad = await admin.get("/drift?cursor=not-a-cursor");
    expect(bad.status).toBe(422);
    expect(bad.text).toContain("cursor: is not a cursor of this list; start again from its first page");
    expect(cards(bad.text)).toEqual([]);
  });

  it("costs the same queries for 50 reports as for 2", async () => {
    const count = (url: string) => queriesOf(t.deps.db, async () => expect((await admin.get(url)).status).toBe(200));
    expect(await count("/drift")).toBe(await count("/drift?limit=2"));
  });
});

describe("GET /api/v1/drift", () => {
  type ReportJson = { id: string; subject: { name: string }; resources: unknown[]; remediations: { action: string; status: string }[] };
  type PageJson = { reports: ReportJson[]; total: number; next: string | null };

  it("pages the open reports with limit and cursor until next is null, each one as GET /drift/:id shows it", async () => {
    const seen: ReportJson[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await adminApi.get(`/drift?limit=25${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const body = res.json<PageJson>();
      expect(body.total).toBe(OPEN);
      seen.push(...body.reports);
      cursor = body.next;
    }
    expect(seen.map((r) => r.subject.name)).toEqual(openNames);
    for (const r of seen.slice(0, 3)) expect(r).toEqual((await adminApi.get(`/drift/${r.id}`)).json());
    expect(seen[0]!.remediations.map((m) => [m.action, m.status])).toEqual([["accept", "previewing"], ["restore", "failed"]]);
  });

  it("lists closed reports newest closed first, and answers 422 naming a bad state or limit", async () => {
    const closed = (await adminApi.get("/drift?state=closed&limit=200")).json<PageJson>();
    expect(closed.reports.map((r) => r.subject.name)).toEqual(range(3, FLEET).filter(closedOne).map(web));
    const bad = await adminApi.get("/drift?state=gone&limit=0");
    expect(bad.status).toBe(422);
    const text = JSON.stringify(bad.json());
    expect(text).toContain("state");
    expect(text).toContain("limit");
  });

  it("costs the same queries for 50 reports as for 2", async () => {
    const count = (url: string) => queriesOf(t.deps.db, async () => expect((await adminApi.get(url)).status).toBe(200));
    expect(await count("/drift?limit=50")).toBe(await count("/drift?limit=2"));
    expect(await count("/drift?state=closed&limit=50")).toBe(await count("/drift?state=closed&limit=2"));
  });
});
