// Upgrading a database the earlier migrations made: the real migrator on a real SQLite file,
// stopped before the table rebuild of 0003, then openDb() applying the rest.
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { openDb } from "./db.ts";

const migrations = path.join(import.meta.dirname, "migrations");
let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A database file made by the first `n` migrations, as an older Hoist left it. */
function olderDatabase(n: number): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-migrate-"));
  const folder = path.join(dir, "migrations");
  fs.mkdirSync(path.join(folder, "meta"), { recursive: true });
  const journal = JSON.parse(fs.readFileSync(path.join(migrations, "meta/_journal.json"), "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, n);
  for (const e of journal.entries) fs.copyFileSync(path.join(migrations, `${e.tag}.sql`), path.join(folder, `${e.tag}.sql`));
  fs.writeFileSync(path.join(folder, "meta/_journal.json"), JSON.stringify(journal));
  const file = path.join(dir, "hoist.db");
  const client = new Database(file);
  client.pragma("foreign_keys = ON");
  migrate(drizzle(client), { migrationsFolder: folder });
  client.prepare("insert into users (id, email, name, role, state) values ('u', 'a@example.com', 'A', 'admin', 'active')").run();
  client.prepare("insert into servers (id, user_id, name, stack, cloud, region, size, image) values ('s', 'u', 'web', 'server-web', 'hetzner', 'fsn1', 'cx22', 'ubuntu-24.04')").run();
  client.prepare("insert into operations (id, stack, server_id, kind, status) values ('o', 'server-web', 's', 'up', 'succeeded')").run();
  client.prepare("insert into operation_events (operation_id, seq, type, payload, at) values ('o', 1, 'log', '{\"type\":\"log\",\"text\":\"hi\"}', 1)").run();
  client.close();
  return file;
}

it("rebuilds the operations table without losing an operation or its events", () => {
  const db = openDb(olderDatabase(3));
  expect(db.$client.prepare("select count(*) as n from operation_events").get()).toEqual({ n: 1 });
  expect(db.$client.prepare("select stack_kind, waits_for, status from operations").get()).toEqual({ stack_kind: "server", waits_for: "[]", status: "succeeded" });
  // Foreign keys are enforced again afterwards.
  expect(db.$client.pragma("foreign_keys", { simple: true })).toBe(1);
  expect(() => db.$client.prepare("insert into operations (id, stack, server_id, kind) values ('x', 's', 'nope', 'up')").run()).toThrow(/FOREIGN KEY/);
  db.$client.close();
});
