import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDb } from "./db.ts";
import { allocateForServer, allocationOfServer, GatewayFullError, randomSlug, releaseDestroyed, serversWithoutAllocation, TCP_BLOCK } from "./gateway-allocations.ts";
import { gatewayAllocations, servers, users } from "./schema.ts";

const ranges = { ssh: { first: 20000, last: 20004 }, tcp: { first: 30000, last: 30049 } };

function seeded(n: number) {
  const db = openDb(":memory:");
  const userId = randomUUID();
  db.insert(users).values({ id: userId, email: "a@example.com", name: "A", role: "admin" }).run();
  const ids = Array.from({ length: n }, (_, i) => {
    const id = randomUUID();
    db.insert(servers).values({ id, userId, name: `s${i}`, stack: `server-s${i}`, cloud: "hetzner", region: "fsn1", size: "cx22", image: "ubuntu-24.04" }).run();
    return id;
  });
  return { db, ids };
}

describe("gateway allocations", () => {
  it("give each server its own slug, SSH port and aligned block of TCP ports, the lowest free ones", () => {
    const { db, ids } = seeded(5);
    const all = ids.map((id) => allocateForServer(db, id, ranges));
    expect(all.map((a) => a.sshPort)).toEqual([20000, 20001, 20002, 20003, 20004]);
    expect(all.map((a) => a.tcpFirst)).toEqual([30000, 30010, 30020, 30030, 30040]);
    expect(new Set(all.map((a) => a.slug)).size).toBe(5);
    for (const a of all) expect(a.slug).toMatch(/^[a-z][a-z0-9]{5}$/);
    // Asking again gives the same allocation.
    expect(allocateForServer(db, ids[0]!, ranges)).toEqual(all[0]);
  });

  it("refuse a server when a range is exhausted, naming the setting", () => {
    const { db, ids } = seeded(6);
    for (const id of ids.slice(0, 5)) allocateForServer(db, id, ranges);
    expect(() => allocateForServer(db, ids[5]!, ranges)).toThrow(GatewayFullError);
    expect(() => allocateForServer(db, ids[5]!, ranges)).toThrow(/HOIST_GATEWAY_SSH_PORTS/);
    expect(() => allocateForServer(db, ids[5]!, { ...ranges, ssh: { first: 20000, last: 20010 } })).toThrow(/HOIST_GATEWAY_TCP_PORTS/);
    expect(allocationOfServer(db, ids[5]!)).toBeUndefined();
  });

  it("release a destroyed server's ports for others, but never its slug", () => {
    const { db, ids } = seeded(6);
    const first = allocateForServer(db, ids[0]!, ranges);
    for (const id of ids.slice(1, 5)) allocateForServer(db, id, ranges);
    db.update(servers).set({ status: "destroyed" }).where(eq(servers.id, ids[0]!)).run();
    expect(releaseDestroyed(db).map((a) => a.id)).toEqual([first.id]);
    expect(releaseDestroyed(db)).toEqual([]);
    expect(allocationOfServer(db, ids[0]!)).toBeUndefined();
    const next = allocateForServer(db, ids[5]!, ranges);
    expect([next.sshPort, next.tcpFirst]).toEqual([first.sshPort, first.tcpFirst]);
    expect(next.slug).not.toBe(first.slug);
    // The released row stays, keeping its slug taken.
    expect(() => db.insert(gatewayAllocations).values({ id: randomUUID(), serverId: ids[5]!, slug: first.slug, sshPort: 20009, tcpFirst: 30090 }).run()).toThrow(/UNIQUE/);
  });

  it("are unique and aligned by the database itself", () => {
    const { db, ids } = seeded(3);
    const a = allocateForServer(db, ids[0]!, ranges);
    const row = (over: Partial<typeof a>) => ({ id: randomUUID(), serverId: ids[1]!, slug: randomSlug(), sshPort: 20100, tcpFirst: 30100, ...over });
    expect(() => db.insert(gatewayAllocations).values(row({ sshPort: a.sshPort })).run()).toThrow(/UNIQUE constraint failed: gateway_allocations\.ssh_port/);
    expect(() => db.insert(gatewayAllocations).values(row({ tcpFirst: a.tcpFirst })).run()).toThrow(/UNIQUE constraint failed: gateway_allocations\.tcp_first/);
    expect(() => db.insert(gatewayAllocations).values(row({ serverId: ids[0]! })).run()).toThrow(/UNIQUE constraint failed: gateway_allocations\.server_id/);
    expect(() => db.insert(gatewayAllocations).values(row({ tcpFirst: 30105 })).run()).toThrow(/CHECK constraint failed/);
    expect(TCP_BLOCK).toBe(10);
  });

  it("find the live servers that have none (made before the gateway was on)", () => {
    const { db, ids } = seeded(3);
    allocateForServer(db, ids[0]!, ranges);
    db.update(servers).set({ status: "destroyed" }).where(eq(servers.id, ids[2]!)).run();
    expect(serversWithoutAllocation(db)).toEqual([ids[1]]);
  });
});
