// Running one operation of a stack from the shell: an operation row of that stack claimed by this
// process as a worker (engine.runHere), so that the console shows it in the subject's history,
// refuses its own meanwhile and recovers it like a dead worker's if this process is killed; the
// subject moves along its kind's status machine as a console action would move it; the audit log
// names who ran it. Pulumi's own output is printed as it comes.
import type { Recorded } from "../../engine/bus.ts";
import { StackBusyError } from "../../engine/engine.ts";
import { OperationRefused } from "../../engine/kind.ts";
import type { Operation } from "../../state/operations.ts";
import { heldBy, requestEvent, type OperationKind } from "../../state/statuses.ts";
import { findUser } from "../../state/users.ts";
import { audit } from "../actions/audit.ts";
import { pauseText } from "../actions/maintenance.ts";
import { Refused, type CliActor, type CliDeps, type Target } from "./session.ts";

export interface Ran {
  op: Operation;
  /** How many resources each step touched (Pulumi's summary), when the run got that far. */
  changes?: Record<string, number>;
}

const color = (): "always" | "never" => (process.stdout.isTTY && !process.env.NO_COLOR ? "always" : "never");

/** Refuses a change to infrastructure while changes are paused (the maintenance switch). */
export function requireChangesAllowed(deps: CliDeps): void {
  const p = deps.paused();
  if (p) throw new Refused(pauseText(p));
}

/**
 * The event that moves the subject into the status an operation of `kind` holds (a server's up
 * from ready: update_started), or undefined when that operation holds none (refresh, preview).
 * Refused when the subject is where that operation cannot start (an up of a stopped server).
 */
export function eventFor(target: Target, kind: OperationKind, command: string): string | undefined {
  const m = target.kind.machine;
  if (heldBy(m, kind).length === 0) return undefined;
  const { subject } = target;
  const event = requestEvent(m, subject.status, kind);
  if (event) return event;
  const from = Object.keys(m.transitions).filter((s) => requestEvent(m, s, kind));
  throw new Refused(`the ${target.kind.words.subject} ${subject.stack} is ${subject.status}: \`hoist ${command}\` runs when it is ${from.join(" or ")}`);
}

/** Refuses when other stacks live on this one (a server's deployments): they go first. */
export function requireNoDependents(deps: CliDeps, target: Target): void {
  const on = target.kind.dependents?.(deps.db, target.subject.id) ?? [];
  if (on.length) {
    throw new Refused(`${on.length} stack(s) run on ${target.subject.stack}: ${on.join(", ")}. Destroy them first (hoist destroy <stack>), or destroy the ${target.kind.words.subject} in the console, which removes them with it.`);
  }
}

function busyText(deps: CliDeps, op: Operation): string {
  const by = op.userId ? findUser(deps.db, op.userId)?.email : undefined;
  const who = typeof op.params.cli === "string" ? `another hoist command (${op.params.cli})` : `the console${by ? ` (${by})` : ""}`;
  return `${op.stack} is busy: ${who} ${op.status === "queued" ? "has queued" : "is running"} its ${op.kind} (operation ${op.id}). Wait for it to finish, or cancel it in the console, then run this again.`;
}

/**
 * Runs the operation here and now, printing Pulumi's output, and records it in the audit log as
 * the console records its actions. Ctrl-C cancels it gracefully (a second one leaves at once: the
 * console then takes the operation over as a dead worker's and recovers the stack).
 */
export async function runOperation(
  deps: CliDeps,
  target: Target,
  actor: CliActor,
  kind: OperationKind,
  opts: { event?: string; changeId?: string; note?: string } = {},
): Promise<Ran> {
  const { kind: stackKind, subject } = target;
  let operationId: string | undefined;
  let changes: Record<string, number> | undefined;
  let failure: { reason: string; action?: string } | undefined;
  const observe = (r: Recorded) => {
    if (r.event.type === "summary") changes = r.event.changes;
    if (r.event.type === "failure") failure = { reason: r.event.reason, action: r.event.action };
  };
  let interrupts = 0;
  const onInterrupt = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write("\nhoist: cancelling (Pulumi stops what it is doing; Ctrl-C again leaves at once and the console recovers the stack)\n");
    if (operationId) deps.engine.cancel(operationId, `interrupted at the shell by ${actor.osUser}`);
  };
  process.on("SIGINT", onInterrupt);
  try {
    const op = await deps.engine.runHere({
      kind,
      stackKind: stackKind.id,
      stack: subject.stack,
      ...stackKind.refOf(subject.id),
      userId: actor.userId,
      params: { cli: actor.osUser, ...(opts.changeId && { changeId: opts.changeId }) },
      event: opts.event,
      output: { write: (text) => process.stdout.write(text), color: color() },
      observe,
      // Audited once the claim holds, as a console action is once it is accepted.
      claimed: (op) => {
        operationId = op.id;
        const detail = `${subject.stack} from the shell (OS user ${actor.osUser})${opts.note ? `: ${opts.note}` : ""}`;
        audit(deps, { id: actor.userId ?? undefined, email: actor.email }, `cli.${kind}`, "ok", { type: stackKind.words.subject, id: subject.id }, detail);
      },
    });
    if (op.status !== "succeeded") {
      const why = failure ?? { reason: op.error ?? `the ${kind} ${op.status}` };
      process.stderr.write(`hoist: the ${kind} of ${subject.stack} ${op.status}: ${why.reason}\n${why.action ? `${why.action}\n` : ""}`);
    }
    return { op, changes };
  } catch (err) {
    if (err instanceof StackBusyError) throw new Refused(busyText(deps, err.busy));
    if (err instanceof OperationRefused) throw new Refused(`${subject.stack}: ${err.explained.reason}. ${err.explained.action}`);
    throw err;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** "1 to update, 2 to create", or "no changes". */
export function changesText(changes: Record<string, number> | undefined): string {
  const parts = Object.entries(changes ?? {}).filter(([op, n]) => op !== "same" && n);
  return parts.length ? parts.map(([op, n]) => `${n} to ${op}`).join(", ") : "no changes";
}
