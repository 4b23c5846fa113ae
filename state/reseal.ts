// Re-sealing stored secrets: at every start, values sealed the old way (not bound to their row)
// or under an older master key are sealed again under the current one, so the key file's older
// lines can eventually go; `hoist rotate-key` does the same for a new key. Idempotent: a value
// already sealed by the current key for its own row is left as it is.
import { sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { refOf, sealedColumns } from "./sealed-columns.ts";
import { sealedBy, type Keyring } from "./secrets.ts";

export interface Resealed {
  /** Values sealed again. */
  resealed: number;
  /** Sealed values looked at. */
  total: number;
}

/** Every sealed value with the reference it is bound to. */
export function sealedValues(db: Db) {
  return sealedColumns.flatMap((col) =>
    db
      .all<{ id: string; value: string }>(sql`select id, ${sql.identifier(col.column)} as value from ${sql.identifier(col.table)} where ${sql.identifier(col.column)} is not null`)
      .map((row) => ({ ref: refOf(col, row.id), value: row.value })),
  );
}

/**
 * Seals again, with `to`, every value that `to` would not have sealed as it is, opening it
 * with `from` (which holds the keys it may be sealed with). One transaction: all or nothing.
 */
export function resealAll(db: Db, from: Keyring, to: Keyring): Resealed {
  return db.transaction((tx) => {
    const values = sealedValues(tx as unknown as Db);
    let resealed = 0;
    for (const { ref, value } of values) {
      const by = sealedBy(value);
      if (by?.version === "v2" && by.keyId === to.currentId) continue;
      const plain = by?.version === "v1" ? from.openLegacy(value) : from.open(value, ref);
      tx.run(sql`update ${sql.identifier(ref.table)} set ${sql.identifier(ref.column)} = ${to.seal(plain.reveal(), ref)} where id = ${ref.id}`);
      resealed++;
    }
    return { resealed, total: values.length };
  });
}
