// The passphrase of every stack's secrets provider. It is made once and kept sealed under the
// master key, so rotating the master key re-seals it and leaves it unchanged: every stack's
// secret config and state stay readable. (It used to be derived from the current master key, so
// a new key made every stack unreadable.)
import { eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { instanceSecrets } from "./schema.ts";
import { instanceSecretRef } from "./sealed-columns.ts";
import type { Keyring, Secret } from "./secrets.ts";

const ID = "stack-passphrase";

/**
 * Makes sure the passphrase is stored. An installation that has none yet may already have
 * stacks, made with the passphrase derived from its current master key: that value is kept.
 */
export function ensureStackPassphrase(db: Db, keyring: Keyring): void {
  if (db.select({ id: instanceSecrets.id }).from(instanceSecrets).where(eq(instanceSecrets.id, ID)).get()) return;
  const value = keyring.seal(keyring.derive("pulumi-passphrase").reveal(), instanceSecretRef(ID));
  db.insert(instanceSecrets).values({ id: ID, value }).onConflictDoNothing().run();
}

/** The stacks' passphrase, opened for the Pulumi settings. */
export function stackPassphrase(db: Db, keyring: Keyring): Secret {
  const row = db.select().from(instanceSecrets).where(eq(instanceSecrets.id, ID)).get();
  if (!row) throw new Error("the stacks' passphrase is missing from the database (instance_secrets)");
  return keyring.open(row.value, instanceSecretRef(ID));
}
