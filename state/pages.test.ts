// Keyset pages over the real schema on :memory:: every row exactly once however many share the
// order column, forwards and backwards, rows deleted under a reader's cursor, and a search that
// takes % and _ literally.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openDb, type Db } from "./db.ts";
import type { PageRequest } from "./pages.ts";
import { servers, users } from "./schema.ts";
import { pageServers } from "./server-list.ts";

const scope = { userId: "", all: true };

function fleet(createdAt: (i: number) => number, count: number, name = (i: number) => `s-${i}`): Db {
  const db = openDb(":memory:");
  const userId = randomUUID();
  db.insert(users).values({ id: userId, email: "a@example.com", name: "A", role: "admin" }).run();
  for (let i = 0; i < count; i++) {
    db.insert(servers).values({ id: randomUUID(), userId, name: name(i), stack: `server-${i}`, cloud: "hetzner", region: "fsn1", size: "cx22", image: "debian-12", createdAt: new Date(createdAt(i)) }).run();
  }
  return db;
}

/** Every id, following `next` from the first page. */
function walk(db: Db, limit: number): string[] {
  const ids: string[] = [];
  let req: PageRequest = { limit };
  for (;;) {
    const page = pageServers(db, scope, {}, req);
    expect(page.start).toBe(ids.length);
    ids.push(...page.rows.map((r) => r.server.id));
    if (!page.next) return ids;
    req = { limit, after: page.next };
  }
}

describe("keyset pages", () => {
  it("give every row once, newest first, whatever the ties and the page size", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (times, limit) => {
        const db = fleet((i) => 1_700_000_000_000 + times[i]! * 1000, times.length);
        const ids = walk(db, limit);
        const expected = db.select({ id: servers.id, at: servers.createdAt }).from(servers).all().sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1)).map((r) => r.id);
        expect(ids).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("go back with prev to the same page, and the first page has no prev", () => {
    const db = fleet((i) => 1_700_000_000_000 + Math.floor(i / 4) * 1000, 23);
    const one = pageServers(db, scope, {}, { limit: 5 });
    const two = pageServers(db, scope, {}, { limit: 5, after: one.next });
    const three = pageServers(db, scope, {}, { limit: 5, after: two.next });
    const backToTwo = pageServers(db, scope, {}, { limit: 5, before: three.prev });
    expect(backToTwo.rows.map((r) => r.server.id)).toEqual(two.rows.map((r) => r.server.id));
    expect(backToTwo).toMatchObject({ start: 5, total: 23 });
    expect(one.prev).toBeUndefined();
    expect(pageServers(db, scope, {}, { limit: 5, before: two.prev }).prev).toBeUndefined();
  });

  it("show a full first page, not a short or empty one, when the rows around the cursor were deleted", () => {
    const db = fleet((i) => 1_700_000_000_000 + i * 1000, 12);
    const one = pageServers(db, scope, {}, { limit: 5 });
    const two = pageServers(db, scope, {}, { limit: 5, after: one.next });
    // Someone deletes the newest three: going back from page two finds only two rows before it.
    for (const r of one.rows.slice(0, 3)) db.$client.prepare("delete from servers where id = ?").run(r.server.id);
    const back = pageServers(db, scope, {}, { limit: 5, before: two.prev });
    expect(back.rows).toHaveLength(5);
    expect(back).toMatchObject({ start: 0, total: 9, prev: undefined });
    // Everything after the cursor deleted (its row was the oldest left): the first page again.
    const oldest = pageServers(db, scope, {}, { limit: 50 }).rows.at(-1)!.server;
    const after = pageServers(db, scope, {}, { limit: 5, after: [oldest.createdAt.getTime(), oldest.id] });
    expect(after.rows.map((r) => r.server.name)).toEqual(pageServers(db, scope, {}, { limit: 5 }).rows.map((r) => r.server.name));
    expect(after.start).toBe(0);
  });

  it("search the name for the text as typed, % and _ included", () => {
    const names = ["web_1", "web-1", "100%", "1000", "WEB-2"];
    const db = fleet((i) => 1_700_000_000_000 + i, names.length, (i) => names[i]!);
    const found = (q: string) => pageServers(db, scope, { q }, { limit: 10 }).rows.map((r) => r.server.name).sort();
    expect(found("_")).toEqual(["web_1"]);
    expect(found("%")).toEqual(["100%"]);
    expect(found("web")).toEqual(["WEB-2", "web-1", "web_1"]);
    expect(found("\\")).toEqual([]);
  });
});
