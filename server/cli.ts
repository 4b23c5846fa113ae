#!/usr/bin/env -S node --import tsx
// The `hoist` command, for engineers at a shell (README "The hoist CLI"). It uses the console's
// configuration (HOIST_* variables) and data folder; each command lives in server/cli/:
//   stacks                      every stack of every kind (stacks.ts)
//   preview|up|refresh|drift|destroy <stack>
//                               an operation of the stack run here, as a worker of Hoist's
//                               engine, with Pulumi's own output (stack-commands.ts)
//   env <stack>                 the shell settings for the official `pulumi` CLI (pulumi-env.ts)
//   rotate-key [--forget-old]   a new master key (rotate-key.ts)
// Exit status: 0 done, 1 failed or refused, 2 a command line that does not parse.
import { MasterKeyError } from "../state/master-key.ts";
import { parseCommand, usage, UsageError, type Command } from "./cli/args.ts";
import { envCommand } from "./cli/pulumi-env.ts";
import { forgetOldKeys, rotateKey, RotationError } from "./cli/rotate-key.ts";
import { openDeps, Refused } from "./cli/session.ts";
import { runStackCommand } from "./cli/stack-commands.ts";
import { listStacks } from "./cli/stacks.ts";
import { ConfigError, loadConfig } from "./config.ts";

const out = (line: string) => process.stdout.write(`${line}\n`);

async function run(command: Command): Promise<number> {
  if (command.name === "rotate-key") {
    await (command.forgetOld ? forgetOldKeys : rotateKey)(loadConfig(), out, process.stderr);
    return 0;
  }
  const deps = openDeps();
  try {
    if (command.name === "stacks") out(listStacks(deps, command.json));
    else if (command.name === "env") out(await envCommand(deps, command.stack));
    else return await runStackCommand(deps, command.name, command);
    return 0;
  } finally {
    deps.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`hoist: ${err.message}\n${usage}\n`);
    return 2;
  }
  return run(command);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const known = err instanceof Refused || err instanceof ConfigError || err instanceof MasterKeyError || err instanceof RotationError;
    process.stderr.write(`hoist: ${known ? err.message : (err.stack ?? err.message)}\n`);
    process.exit(1);
  },
);
