// The `hoist` command line: which command, its stack and its flags, checked before anything opens.
// A command line that does not parse is a usage error (exit 2), with the usage printed.
import { parseArgs } from "node:util";

export const usage = [
  "usage: hoist preview <stack> [--declared] [--as <email>]",
  "       hoist stacks [--json]                         every stack, of every kind",
  "       hoist up <stack> [--yes] [--declared] [--as <email>]",
  "       hoist refresh <stack> [--yes] [--as <email>]",
  "       hoist drift <stack> [--as <email>]            a refresh preview: nothing is written",
  "       hoist destroy <stack> [--yes] [--as <email>]",
  "       hoist env <stack>                             the shell settings for the official `pulumi` CLI",
  "       hoist rotate-key [--forget-old]",
  "<stack> is a stack's name as `hoist stacks` lists it, e.g. server-web-1 or app-hello-1a2b.",
].join("\n");

export class UsageError extends Error {
  override name = "UsageError";
}

export type StackCommand = "preview" | "up" | "refresh" | "drift" | "destroy";

export type Command =
  | { name: "stacks"; json: boolean }
  | { name: StackCommand; stack: string; yes: boolean; declared: boolean; as?: string }
  | { name: "env"; stack: string }
  | { name: "rotate-key"; forgetOld: boolean };

/** The flags each command takes. */
const flags = {
  stacks: ["json"],
  preview: ["declared", "as"],
  up: ["yes", "declared", "as"],
  refresh: ["yes", "as"],
  drift: ["as"],
  destroy: ["yes", "as"],
  env: [],
  "rotate-key": ["forget-old"],
} as const;

const options = {
  json: { type: "boolean" },
  declared: { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  as: { type: "string" },
  "forget-old": { type: "boolean" },
} as const;

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (!name || !(name in flags)) throw new UsageError(name ? `unknown command ${JSON.stringify(name)}` : "no command given");
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const allowed: readonly string[] = flags[name as keyof typeof flags];
  const given = Object.keys(parsed.values);
  const wrong = given.find((f) => !allowed.includes(f));
  if (wrong) throw new UsageError(`${name} takes no --${wrong}`);
  const v = parsed.values;
  const positionals = parsed.positionals;
  const wantsStack = name !== "stacks" && name !== "rotate-key";
  if (positionals.length !== (wantsStack ? 1 : 0)) throw new UsageError(wantsStack ? `${name} takes one stack name` : `${name} takes no arguments`);
  if (name === "stacks") return { name, json: v.json === true };
  if (name === "rotate-key") return { name, forgetOld: v["forget-old"] === true };
  const stack = positionals[0]!;
  if (name === "env") return { name, stack };
  if (v.as !== undefined && !v.as.includes("@")) throw new UsageError("--as takes the email of a Hoist user");
  return { name: name as StackCommand, stack, yes: v.yes === true, declared: v.declared === true, as: v.as };
}
