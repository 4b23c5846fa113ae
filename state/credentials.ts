import { and, asc, eq, getTableColumns } from "drizzle-orm";
import type { Db } from "./db.ts";
import { credentials } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import type { CredentialValidity } from "./statuses.ts";

export type CredentialRow = typeof credentials.$inferSelect;
/** A credential as it may leave the state layer for display: never the sealed secret. */
export type Credential = Omit<CredentialRow, "secret">;

const { secret: _sealed, ...publicColumns } = getTableColumns(credentials);

export function listCredentials(db: Db, scope: Scope): Credential[] {
  return db.select(publicColumns).from(credentials).where(owned(credentials.userId, scope)).orderBy(asc(credentials.name)).all();
}

export function findCredential(db: Db, scope: Scope, id: string): Credential | undefined {
  return db
    .select(publicColumns)
    .from(credentials)
    .where(and(eq(credentials.id, id), owned(credentials.userId, scope)))
    .get();
}

/** The sealed secret, for the moment of use only. */
export function sealedSecretOf(db: Db, id: string): string | undefined {
  return db.select({ secret: credentials.secret }).from(credentials).where(eq(credentials.id, id)).get()?.secret;
}

export function nameTaken(db: Db, userId: string, name: string, exceptId?: string): boolean {
  const row = db
    .select({ id: credentials.id })
    .from(credentials)
    .where(and(eq(credentials.userId, userId), eq(credentials.name, name)))
    .get();
  return row !== undefined && row.id !== exceptId;
}

/** Inserts a credential; its id is the caller's, since the sealed secret is bound to it. */
export function insertCredential(db: Db, c: { id: string; userId: string; name: string; cloud: string; secret: string; settings: Record<string, string> }): Credential {
  const { secret: _s, ...row } = db.insert(credentials).values(c).returning().get();
  return row;
}

export function updateCredential(db: Db, id: string, patch: { name?: string; secret?: string; settings?: Record<string, string> }): void {
  db.update(credentials).set(patch).where(eq(credentials.id, id)).run();
}

export function setValidity(db: Db, id: string, validity: CredentialValidity, reason: string | null, at = new Date()): void {
  db.update(credentials).set({ validity, validityReason: reason, checkedAt: at }).where(eq(credentials.id, id)).run();
}

export function deleteCredential(db: Db, id: string): void {
  db.delete(credentials).where(eq(credentials.id, id)).run();
}
