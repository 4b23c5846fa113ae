import { eq } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { sshKeys } from "./schema.ts";

export type SshKeyRow = typeof sshKeys.$inferSelect;

export function insertSshKey(db: Db, k: Pick<SshKeyRow, "userId" | "name" | "publicKey" | "privateKey" | "fingerprint">): SshKeyRow {
  return db.insert(sshKeys).values({ id: randomUUID(), ...k }).returning().get();
}

export function sshKeyById(db: Db, id: string): SshKeyRow | undefined {
  return db.select().from(sshKeys).where(eq(sshKeys.id, id)).get();
}

export function deleteSshKey(db: Db, id: string): void {
  db.delete(sshKeys).where(eq(sshKeys.id, id)).run();
}
