// What every stack command of `hoist` opens: the console's own dependencies (same settings, same
// data folder; logs to stderr so that stdout is Pulumi's output), who is acting, and the stack
// asked for, found among the subjects of every registered kind.
import os from "node:os";
import { pino } from "pino";
import { kinds } from "../../engine/kinds.ts";
import type { StackKind, Subject } from "../../engine/kind.ts";
import { findUserByEmail } from "../../state/users.ts";
import { loadConfig } from "../config.ts";
import { createDeps } from "../deps.ts";

export type CliDeps = ReturnType<typeof createDeps>;

/** A command that cannot go ahead; its message says why and what to do. Exit status 1. */
export class Refused extends Error {
  override name = "Refused";
}

/** Opens the console's dependencies as the console would, logging warnings and worse to stderr (HOIST_LOG_LEVEL overrides). */
export function openDeps(env: NodeJS.ProcessEnv = process.env): CliDeps {
  return createDeps(loadConfig({ HOIST_LOG_LEVEL: "warn", ...env }), { logDestination: pino.destination(2) });
}

/**
 * Who the audit log and the operation history name: the OS user running the command
 * (`cli:<user>`), or with `--as <email>` that Hoist user (an active admin, or the operator who
 * owns the stack; viewers only read), with the OS user kept in the detail.
 */
export interface CliActor {
  userId: string | null;
  email: string;
  osUser: string;
}

export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? `uid-${process.getuid?.() ?? "unknown"}`;
  }
}

export function actorFor(deps: CliDeps, as: string | undefined, subject: Subject): CliActor {
  const me = osUser();
  if (as === undefined) return { userId: null, email: `cli:${me}`, osUser: me };
  const user = findUserByEmail(deps.db, as);
  if (!user || user.state !== "active") throw new Refused(`--as ${as}: no active Hoist user has that email`);
  if (user.role === "viewer") throw new Refused(`--as ${as}: a viewer cannot change or preview stacks`);
  if (user.role === "operator" && user.id !== subject.userId) throw new Refused(`--as ${as}: ${subject.stack} is not theirs (operators act on their own stacks)`);
  return { userId: user.id, email: user.email, osUser: me };
}

export interface Target {
  kind: StackKind;
  subject: Subject;
}

/** Every stack that exists, of every kind, in the kinds' order. */
export const allStacks = (deps: CliDeps): Target[] => kinds.flatMap((kind) => kind.subjects(deps.db).map((subject) => ({ kind, subject })));

/** The stack named `name`, whatever its kind. */
export function findTarget(deps: CliDeps, name: string): Target {
  const all = allStacks(deps);
  const found = all.find((t) => t.subject.stack === name);
  if (!found) throw new Refused(`no stack named ${name} (known: ${all.map((t) => t.subject.stack).join(", ") || "none"})`);
  return found;
}
