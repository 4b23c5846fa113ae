#!/usr/bin/env -S node --import tsx
// The `hoist` command, for engineers at a shell. It uses the console's configuration (HOIST_*
// variables, README "Configuration") and its data folder.
//   hoist preview <stack>       previews a stack with the very same program and inputs as the
//                               console, and prints Pulumi's own preview
//   hoist rotate-key            a new master key; every stored secret re-sealed under it, and
//                               proof that every stack still opens (server/rotate-key.ts)
//   hoist rotate-key --forget-old   drops the older keys once nothing is sealed under them
import { eq } from "drizzle-orm";
import { servers } from "../state/schema.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";
import { MasterKeyError } from "../state/master-key.ts";
import { forgetOldKeys, rotateKey, RotationError } from "./rotate-key.ts";

const usage = [
  "usage: hoist preview <stack>   (a server's stack, e.g. server-web-1; see the server's page)",
  "       hoist rotate-key [--forget-old]",
].join("\n");

const out = (line: string) => process.stdout.write(`${line}\n`);

async function preview(stackName: string): Promise<number> {
  const deps = createDeps(loadConfig());
  try {
    const server = deps.db.select().from(servers).where(eq(servers.stack, stackName)).get();
    if (!server || server.status === "destroyed") {
      process.stderr.write(`hoist: no stack named ${stackName} (known: ${deps.db.select({ s: servers.stack }).from(servers).all().map((r) => r.s).join(", ") || "none"})\n`);
      return 1;
    }
    const result = await deps.engine.preview("server", server.id, (text) => process.stdout.write(text));
    const changes = Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && n);
    process.stdout.write(`\n${changes.length ? `${changes.map(([op, n]) => `${n} to ${op}`).join(", ")}` : "no changes"}\n`);
    return 0;
  } finally {
    deps.close();
  }
}

async function main(args: string[]): Promise<number> {
  const [command, arg, ...rest] = args;
  if (command === "preview" && arg && rest.length === 0) return preview(arg);
  if (command === "rotate-key" && !arg) return rotateKey(loadConfig(), out, process.stderr).then(() => 0);
  if (command === "rotate-key" && arg === "--forget-old" && rest.length === 0) return forgetOldKeys(loadConfig(), out, process.stderr).then(() => 0);
  process.stderr.write(`${usage}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const known = err instanceof ConfigError || err instanceof MasterKeyError || err instanceof RotationError;
    process.stderr.write(`hoist: ${known ? err.message : (err.stack ?? err.message)}\n`);
    process.exit(1);
  },
);
