import { eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { sshKeys } from "./schema.ts";

export type SshKeyRow = typeof sshKeys.$inferSelect;

/** Inserts a key pair; its id is the caller's, since the sealed private key is bound to it. */
export function insertSshKey(db: Db, k: Pick<SshKeyRow, "id" | "userId" | "name" | "publicKey" | "privateKey" | "fingerprint">): SshKeyRow {
  return db.insert(sshKeys).values(k).returning().get();
}

export function sshKeyById(db: Db, id: string): SshKeyRow | undefined {
  return db.select().from(sshKeys).where(eq(sshKeys.id, id)).get();
}

export function deleteSshKey(db: Db, id: string): void {
  db.delete(sshKeys).where(eq(sshKeys.id, id)).run();
}
