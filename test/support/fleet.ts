// A large fleet written straight into a console's database, as the rows Hoist would have written
// had it created it over months: servers on the three clouds, most of them ready with their nodes,
// some failed or stopped, each created a minute after the one before. No cloud is called and no
// stack exists: for the list tests and the page-scale benchmark, which look at the pages and the
// API, not at provisioning.
import { randomUUID } from "node:crypto";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "../../state/db.ts";
import { nodes, servers } from "../../state/schema.ts";
import type { NodeState, ServerStatus } from "../../state/statuses.ts";

export interface Fleet {
  userId: string;
  /** One credential per cloud, by cloud id. */
  credentials: Record<string, string>;
  count: number;
}

const clouds = [
  { cloud: "hetzner", region: "fsn1", size: "cx22", image: "ubuntu-24.04", price: "4.51", currency: "EUR" },
  { cloud: "digitalocean", region: "fra1", size: "s-1vcpu-1gb", image: "ubuntu-24-04-x64", price: "6.00", currency: "USD" },
  { cloud: "aws", region: "us-east-1", size: "t3.small", image: "ubuntu-24.04", price: "15.18", currency: "USD" },
];

/**
 * Inserts `rows` into `table` a few hundred a statement, for seeding many: building and preparing
 * one statement a row was most of the page-scale figure's seeding time at 10,000 servers.
 */
export function insertRows<T extends SQLiteTable>(db: Db, table: T, rows: T["$inferInsert"][]): void {
  for (let k = 0; k < rows.length; k += 250) db.insert(table).values(rows.slice(k, k + 250)).run();
}

/** Every 50th server failed, every 40th stopped, the rest ready; nodes of ready ones mostly online. */
function statusOf(i: number): ServerStatus {
  return i % 50 === 0 ? "failed" : i % 40 === 0 ? "stopped" : "ready";
}

/**
 * Writes `count` servers of `fleet.userId`, named `<prefix>-00001`…, in one transaction; the
 * last one created at `endAt` (now by default), each one a minute after the one before.
 */
export function seedFleet(db: Db, fleet: Omit<Fleet, "count">, count: number, opts: { prefix?: string; endAt?: number } = {}): Fleet {
  const prefix = opts.prefix ?? "web";
  const t0 = (opts.endAt ?? Date.now()) - count * 60_000;
  const serverRows: (typeof servers.$inferInsert)[] = [];
  const nodeRows: (typeof nodes.$inferInsert)[] = [];
  for (let i = 1; i <= count; i++) {
    const c = clouds[i % clouds.length]!;
    const name = `${prefix}-${String(i).padStart(5, "0")}`;
    const id = randomUUID();
    const nodeId = randomUUID();
    const status = statusOf(i);
    const failed = status === "failed";
    const address = `127.${2 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
    const createdAt = new Date(t0 + i * 60_000);
    serverRows.push({
      id,
      userId: fleet.userId,
      credentialId: fleet.credentials[c.cloud] ?? null,
      sshKeyId: null,
      name,
      stack: `server-${name}`,
      cloud: c.cloud,
      region: c.region,
      size: c.size,
      image: c.image,
      spec: { nodeId, currency: c.currency, operatorKeys: [], operatorKeyIds: [] },
      priceMonthly: c.price,
      status,
      outputs: failed ? null : { ipv4: address, sshPort: 22, sshUser: "root", providerId: String(100000 + i) },
      errorReason: failed ? "The Hetzner project's server limit is reached" : null,
      errorCode: failed ? "resource_limit_exceeded" : null,
      errorAction: failed ? "Delete servers you no longer need, or ask Hetzner for a higher limit." : null,
      retryable: failed ? true : null,
      createdAt,
      updatedAt: createdAt,
    });
    if (failed) continue;
    const state: NodeState = status === "stopped" ? "offline" : i % 97 === 0 ? "offline" : "online";
    nodeRows.push({
      id: nodeId,
      serverId: id,
      userId: fleet.userId,
      sshKeyId: null,
      name,
      address,
      sshPort: 22,
      sshUser: "root",
      hostKeyFingerprint: "SHA256:" + Buffer.from(nodeId).toString("base64").slice(0, 43),
      cloud: c.cloud,
      region: c.region,
      size: c.size,
      facts: { os: "Ubuntu 24.04", cpus: 2, memoryMb: 4096, diskGb: 40, arch: "x86_64" },
      state,
      stateReason: state === "online" ? null : status === "stopped" ? "the server is stopped" : "no SSH answer from the node within 10 s",
      checkedAt: new Date(),
      createdAt,
    });
  }
  db.transaction(() => {
    insertRows(db, servers, serverRows);
    insertRows(db, nodes, nodeRows);
  });
  return { ...fleet, count };
}
