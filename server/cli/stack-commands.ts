// `hoist preview|up|refresh|drift|destroy <stack>`, for a stack of any kind, with the very same
// program and stack config as the console (the kind's runners and inputs). Each returns the exit
// status: 0 when it did what was asked, 1 otherwise.
import { changeById, pendingChange, type Change } from "../../state/changes.ts";
import { dataLosses } from "../actions/changes.ts";
import { findUser } from "../../state/users.ts";
import type { StackCommand } from "./args.ts";
import { changesText, eventFor, requireChangesAllowed, requireNoDependents, runOperation } from "./operations.ts";
import { confirm, confirmByName } from "./prompt.ts";
import { actorFor, allStacks, findTarget, type CliActor, type CliDeps, type Target } from "./session.ts";

export interface StackArgs {
  stack: string;
  yes: boolean;
  declared: boolean;
  as?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The proposed change the console's Apply would run, unless `--declared`; said aloud when there is one. */
function changeToPreview(deps: CliDeps, target: Target, args: StackArgs, verb: string): Change | undefined {
  const change = args.declared ? undefined : pendingChange(deps.db, target.kind.refOf(target.subject.id));
  if (change) {
    const by = change.userId ? findUser(deps.db, change.userId)?.email : undefined;
    const when = change.createdAt.toISOString().slice(0, 16).replace("T", " ");
    say(`${verb} the change proposed${by ? ` by ${by}` : ""} on ${when} UTC (change ${change.id}, ${change.status}): what the console's Apply runs.`);
    say(`(With --declared, hoist works on what the ${target.kind.words.subject} declares now instead.)`);
  }
  return change;
}

async function preview(deps: CliDeps, target: Target, actor: CliActor, args: StackArgs): Promise<number> {
  const change = changeToPreview(deps, target, args, "Previewing");
  const { op, changes } = await runOperation(deps, target, actor, "preview", { changeId: change?.id, note: change && `change ${change.id}` });
  if (op.status !== "succeeded") return 1;
  say(`\n${changesText(changes)}`);
  return 0;
}

async function up(deps: CliDeps, target: Target, actor: CliActor, args: StackArgs): Promise<number> {
  requireChangesAllowed(deps);
  eventFor(target, "up", "up");
  const change = changeToPreview(deps, target, args, "Previewing");
  const seen = await runOperation(deps, target, actor, "preview", { changeId: change?.id, note: change && `change ${change.id}, before an up` });
  if (seen.op.status !== "succeeded") return 1;
  say(`\n${changesText(seen.changes)}`);
  if (!args.yes && !(await confirmApply(deps, target, change))) return declined();
  // As it is now: the console may have moved it while the question was open.
  const now = findTarget(deps, target.subject.stack);
  const { op } = await runOperation(deps, now, actor, "up", { event: eventFor(now, "up", "up"), changeId: change?.id, note: change && `applying change ${change.id}` });
  return done(deps, now, op.status);
}

/**
 * Asks before an up: y/N, or, when the change replaces or deletes what holds data (a rebuild's
 * server), the stack's name typed, as the console asks for the subject's name.
 */
async function confirmApply(deps: CliDeps, target: Target, change: Change | undefined): Promise<boolean> {
  const { stack } = target.subject;
  // The plan as the preview just kept it on the change.
  const losses = change ? dataLosses(changeById(deps.db, change.id) ?? change) : [];
  if (!losses.length) return confirm(`Apply this to ${stack}?`);
  process.stderr.write(`This change replaces ${losses.map((s) => s.name).join(", ")} of ${stack}: what is stored there is lost.\n`);
  return confirmByName(`Type the stack's name (${stack}) to apply it:`, stack);
}

async function refresh(deps: CliDeps, target: Target, actor: CliActor, args: StackArgs): Promise<number> {
  requireChangesAllowed(deps);
  say(`What a refresh would record in ${target.subject.stack}'s state:`);
  const seen = await runOperation(deps, target, actor, "drift");
  if (seen.op.status !== "succeeded") return 1;
  say(`\n${changesText(seen.changes)}`);
  if (!args.yes && !(await confirm(`Record this in ${target.subject.stack}'s state?`))) return declined();
  const { op } = await runOperation(deps, target, actor, "refresh", { event: eventFor(target, "refresh", "refresh") });
  return done(deps, target, op.status);
}

async function drift(deps: CliDeps, target: Target, actor: CliActor): Promise<number> {
  const { op, changes } = await runOperation(deps, target, actor, "drift");
  if (op.status !== "succeeded") return 1;
  say(`\n${changesText(changes) === "no changes" ? "no drift" : `drift: ${changesText(changes)} to bring the state in line with what is there`}`);
  return 0;
}

async function destroy(deps: CliDeps, target: Target, actor: CliActor, args: StackArgs): Promise<number> {
  requireChangesAllowed(deps);
  eventFor(target, "destroy", "destroy");
  requireNoDependents(deps, target);
  const { subject, kind } = target;
  const owner = findUser(deps.db, subject.userId)?.email ?? "no one";
  if (!args.yes) {
    process.stderr.write(`This destroys the ${kind.words.subject} ${subject.name} (${owner}'s, ${subject.status}) and everything its stack ${subject.stack} holds.\n`);
    if (!(await confirmByName(`Type the stack's name (${subject.stack}) to confirm:`, subject.stack))) return declined();
  }
  const now = findTarget(deps, subject.stack);
  requireNoDependents(deps, now);
  const { op } = await runOperation(deps, now, actor, "destroy", { event: eventFor(now, "destroy", "destroy") });
  return done(deps, now, op.status);
}

/** The exit status of a change, saying where it left the subject when it succeeded. */
function done(deps: CliDeps, target: Target, status: string): number {
  if (status !== "succeeded") return 1;
  const now = allStacks(deps).find((t) => t.subject.stack === target.subject.stack);
  say(now ? `${now.subject.stack}: the ${now.kind.words.subject} is ${now.subject.status}.` : `${target.subject.stack}: the ${target.kind.words.subject} is gone, and its stack with it.`);
  return 0;
}

function declined(): number {
  process.stderr.write("hoist: not confirmed; nothing was changed.\n");
  return 1;
}

const commands = { preview, up, refresh, drift, destroy } satisfies Record<StackCommand, (deps: CliDeps, target: Target, actor: CliActor, args: StackArgs) => Promise<number>>;

/** Runs a stack command on the console's data folder; the dependencies are closed after. */
export async function runStackCommand(deps: CliDeps, name: StackCommand, args: StackArgs): Promise<number> {
  const target = findTarget(deps, args.stack);
  const actor = actorFor(deps, args.as, target.subject);
  return commands[name](deps, target, actor, args);
}
