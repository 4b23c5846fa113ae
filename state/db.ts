import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { fileURLToPath } from "node:url";
import * as schema from "./schema.ts";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** Opens (or creates) the SQLite file in WAL mode and applies the generated migrations. */
export function openDb(file: string): Db {
  const client = new Database(file);
  client.pragma("journal_mode = WAL");
  client.pragma("busy_timeout = 5000");
  client.pragma("synchronous = NORMAL");
  const db = drizzle(client, { schema }) as Db;
  // A migration that rebuilds a table drops the old one; with foreign keys enforced that drop
  // would delete (or cascade into) the rows that point at it. The migrator runs in a transaction,
  // where SQLite ignores the pragma, so it is set around it and the keys are checked after.
  client.pragma("foreign_keys = OFF");
  migrate(db, { migrationsFolder });
  client.pragma("foreign_keys = ON");
  const broken = client.pragma("foreign_key_check") as unknown[];
  if (broken.length) throw new Error(`the database has ${broken.length} row(s) whose foreign keys point nowhere after migrating: ${JSON.stringify(broken.slice(0, 3))}`);
  return db;
}
