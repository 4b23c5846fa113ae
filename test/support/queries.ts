// Counting the statements a request runs, for the tests that check a list's page costs the same
// queries for 50 rows as for 2 (drizzle prepares each query it runs on better-sqlite3).
import { expect } from "vitest";
import type { Db } from "../../state/db.ts";

/** How many statements `run` prepares on `db`; more than `floor`, or nothing was counted. */
export async function queriesOf(db: Db, run: () => Promise<unknown>, floor = 2): Promise<number> {
  const client = db.$client;
  const prepare = client.prepare;
  let n = 0;
  client.prepare = ((sql: string) => {
    n++;
    return prepare.call(client, sql);
  }) as typeof prepare;
  try {
    await run();
  } finally {
    client.prepare = prepare;
  }
  expect(n).toBeGreaterThan(floor);
  return n;
}
