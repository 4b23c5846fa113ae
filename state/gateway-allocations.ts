// The gateway's allocations: per cloud server a slug, an SSH port and a block of TCP ports, each
// unique by a database constraint. Allocating is one immediate transaction (it takes the write
// lock before it reads what is free), so concurrent creates, in this process or another, never
// pick the same value; a constraint that fires all the same is retried with fresh picks.
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import { randomInt, randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { gatewayAllocations, servers } from "./schema.ts";
import type { Server } from "./servers.ts";

export type Allocation = typeof gatewayAllocations.$inferSelect;

/** Ports in a server's forwarded TCP block. */
export const TCP_BLOCK = 10;

/** Inclusive port ranges the gateway hands out (validated in server/config.ts). */
export interface AllocationRanges {
  ssh: { first: number; last: number };
  /** Starts at a multiple of TCP_BLOCK and holds whole blocks. */
  tcp: { first: number; last: number };
}

/** Every SSH port or TCP block of the range is taken; widening the range (or destroying servers) helps. */
export class GatewayFullError extends Error {
  constructor(readonly what: "ssh" | "tcp") {
    super(
      what === "ssh"
        ? "Every forwarded SSH port of the gateway is taken (HOIST_GATEWAY_SSH_PORTS). Destroy a server or widen the range."
        : "Every block of forwarded TCP ports of the gateway is taken (HOIST_GATEWAY_TCP_PORTS). Destroy a server or widen the range.",
    );
    this.name = "GatewayFullError";
  }
}

const SLUG_FIRST = "abcdefghijklmnopqrstuvwxyz";
const SLUG_REST = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A random 6-character DNS label: a letter, then letters and digits. */
export function randomSlug(): string {
  let s = SLUG_FIRST[randomInt(SLUG_FIRST.length)]!;
  for (let i = 1; i < 6; i++) s += SLUG_REST[randomInt(SLUG_REST.length)]!;
  return s;
}

/** The lowest value from `first` up, in steps of `step`, not in `taken` (undefined when none is left). */
function lowestFree(first: number, last: number, step: number, taken: Set<number>): number | undefined {
  for (let v = first; v + step - 1 <= last; v += step) if (!taken.has(v)) return v;
  return undefined;
}

const isUniqueViolation = (err: unknown) => err instanceof Error && /UNIQUE constraint failed/.test(err.message);

/** The server's live allocation, made now if it has none. Throws GatewayFullError when a range is exhausted. */
export function allocateForServer(db: Db, serverId: string, ranges: AllocationRanges): Allocation {
  for (let attempt = 0; ; attempt++) {
    try {
      return db.transaction(
        (tx) => {
          const existing = tx.select().from(gatewayAllocations).where(and(eq(gatewayAllocations.serverId, serverId), isNull(gatewayAllocations.releasedAt))).get();
          if (existing) return existing;
          const live = tx.select({ sshPort: gatewayAllocations.sshPort, tcpFirst: gatewayAllocations.tcpFirst }).from(gatewayAllocations).where(isNull(gatewayAllocations.releasedAt)).all();
          const sshPort = lowestFree(ranges.ssh.first, ranges.ssh.last, 1, new Set(live.map((a) => a.sshPort)));
          if (sshPort === undefined) throw new GatewayFullError("ssh");
          const tcpFirst = lowestFree(ranges.tcp.first, ranges.tcp.last, TCP_BLOCK, new Set(live.map((a) => a.tcpFirst)));
          if (tcpFirst === undefined) throw new GatewayFullError("tcp");
          return tx.insert(gatewayAllocations).values({ id: randomUUID(), serverId, slug: randomSlug(), sshPort, tcpFirst }).returning().get();
        },
        { behavior: "immediate" },
      );
    } catch (err) {
      // A slug drawn twice (1 in 2·10⁹), or another process that won the same port: draw again.
      if (!isUniqueViolation(err) || attempt >= 8) throw err;
    }
  }
}

/** The server's live allocation, if any. */
export function allocationOfServer(db: Db, serverId: string): Allocation | undefined {
  return db.select().from(gatewayAllocations).where(and(eq(gatewayAllocations.serverId, serverId), isNull(gatewayAllocations.releasedAt))).get();
}

/** The live allocations of these servers (a list's page), in one query. */
export function allocationsOfServers(db: Db, serverIds: readonly string[]): Map<string, Allocation> {
  if (serverIds.length === 0) return new Map();
  const rows = db.select().from(gatewayAllocations).where(and(inArray(gatewayAllocations.serverId, [...serverIds]), isNull(gatewayAllocations.releasedAt))).all();
  return new Map(rows.map((a) => [a.serverId!, a]));
}

/** Every live allocation. */
export function liveAllocations(db: Db): Allocation[] {
  return db.select().from(gatewayAllocations).where(isNull(gatewayAllocations.releasedAt)).all();
}

/** Servers that exist (not destroyed) and have no live allocation: made before the gateway was on, or while a range was full. */
export function serversWithoutAllocation(db: Db): string[] {
  return db
    .select({ id: servers.id })
    .from(servers)
    .leftJoin(gatewayAllocations, and(eq(gatewayAllocations.serverId, servers.id), isNull(gatewayAllocations.releasedAt)))
    .where(and(ne(servers.status, "destroyed"), isNull(gatewayAllocations.id)))
    .all()
    .map((r) => r.id);
}

/** Releases the live allocations of destroyed servers, returning them. */
export function releaseDestroyed(db: Db, at = new Date()): Allocation[] {
  return db.transaction((tx) => {
    const gone = tx
      .select({ allocation: gatewayAllocations })
      .from(gatewayAllocations)
      .innerJoin(servers, eq(servers.id, gatewayAllocations.serverId))
      .where(and(isNull(gatewayAllocations.releasedAt), eq(servers.status, "destroyed")))
      .all()
      .map((r) => r.allocation);
    for (const a of gone) tx.update(gatewayAllocations).set({ releasedAt: at }).where(eq(gatewayAllocations.id, a.id)).run();
    return gone;
  });
}

/** Every live allocation with its server, in one read. */
export function liveAllocationsWithServers(db: Db): { allocation: Allocation; server: Server }[] {
  return db
    .select({ allocation: gatewayAllocations, server: servers })
    .from(gatewayAllocations)
    .innerJoin(servers, eq(servers.id, gatewayAllocations.serverId))
    .where(isNull(gatewayAllocations.releasedAt))
    .all();
}
