// Handing a user's infrastructure to another user: servers, their nodes and SSH keys,
// credentials and deployments change owner in one transaction; nothing at the provider or in a
// stack changes. Credential names are unique per owner, so a clashing one gets a suffix.
import { eq, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { credentials, deployments, nodes, servers, sshKeys } from "./schema.ts";
import { countLiveServers } from "./servers.ts";

export interface HandedOver {
  servers: number;
  credentials: number;
  /** Credentials renamed because the new owner had one of that name: old name → new name. */
  renamed: Record<string, string>;
}

export function handOver(db: Db, from: string, to: string): HandedOver {
  return db.transaction((tx) => {
    const taken = new Set(tx.select({ name: credentials.name }).from(credentials).where(eq(credentials.userId, to)).all().map((r) => r.name));
    const renamed: Record<string, string> = {};
    const theirs = tx.select({ id: credentials.id, name: credentials.name }).from(credentials).where(eq(credentials.userId, from)).all();
    for (const c of theirs) {
      let name = c.name;
      for (let n = 2; taken.has(name); n++) name = `${c.name.slice(0, 60)}-${n}`;
      taken.add(name);
      if (name !== c.name) renamed[c.name] = name;
      tx.update(credentials).set({ userId: to, name }).where(eq(credentials.id, c.id)).run();
    }
    const moved = tx.update(servers).set({ userId: to }).where(eq(servers.userId, from)).run().changes;
    tx.update(nodes).set({ userId: to }).where(eq(nodes.userId, from)).run();
    tx.update(sshKeys).set({ userId: to }).where(eq(sshKeys.userId, from)).run();
    tx.update(deployments).set({ userId: to }).where(eq(deployments.userId, from)).run();
    return { servers: moved, credentials: theirs.length, renamed };
  });
}

/** How many live servers and credentials the user owns (what disabling keeps, or hands over). */
export function ownedCounts(db: Db, userId: string): { servers: number; credentials: number } {
  const creds = db.select({ n: sql<number>`count(*)` }).from(credentials).where(eq(credentials.userId, userId)).get()!.n;
  return { servers: countLiveServers(db, { userId }), credentials: creds };
}
