#!/usr/bin/env -S node --import tsx
// `npx hoist preview server-<name>`: previews a stack from a shell with the very same program and
// inputs as the console, and prints Pulumi's own preview. Uses the console's configuration
// (HOIST_* variables, README "Configuration") and its data folder.
import { eq } from "drizzle-orm";
import { servers } from "../state/schema.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";
import { MasterKeyError } from "../state/master-key.ts";

const usage = "usage: hoist preview <stack>   (a server's stack, e.g. server-web-1; see the server's page)";

async function main(args: string[]): Promise<number> {
  const [command, stackName] = args;
  if (command !== "preview" || !stackName) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const deps = createDeps(loadConfig());
  try {
    const server = deps.db.select().from(servers).where(eq(servers.stack, stackName)).get();
    if (!server || server.status === "destroyed") {
      process.stderr.write(`hoist: no stack named ${stackName} (known: ${deps.db.select({ s: servers.stack }).from(servers).all().map((r) => r.s).join(", ") || "none"})\n`);
      return 1;
    }
    const result = await deps.engine.preview(server, (text) => process.stdout.write(text));
    const changes = Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && n);
    process.stdout.write(`\n${changes.length ? `${changes.map(([op, n]) => `${n} to ${op}`).join(", ")}` : "no changes"}\n`);
    return 0;
  } finally {
    deps.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`hoist: ${err instanceof ConfigError || err instanceof MasterKeyError ? err.message : (err.stack ?? err.message)}\n`);
    process.exit(1);
  },
);
