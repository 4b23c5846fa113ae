// What every proposed change shares, whatever it changes (a deployment, a server): the plan its
// preview kept, the steps of it that lose data, applying it only once previewed — and only after
// the operator typed the subject's name where data is lost — and discarding it.
import { findKind } from "../../engine/kinds.ts";
import { destructiveSteps, type Plan, type PlannedStep } from "../../engine/plan.ts";
import { moveChange, type Change } from "../../state/changes.ts";
import type { Deps } from "../env.ts";
import { ConflictError, InvalidInputError } from "../errors.ts";

export const planOf = (c: Change): Plan | undefined => (c.plan ? (c.plan as unknown as Plan) : undefined);

/** The planned steps that replace or delete what holds data (a server, a volume). */
export function dataLosses(c: Change): PlannedStep[] {
  const plan = planOf(c);
  return plan ? destructiveSteps(plan, findKind(c.stackKind).holdsData) : [];
}

/**
 * Refuses to apply a change that is not a finished preview, or one that loses data unless
 * `raw.confirmName` is the subject's name.
 */
export function requireApplicable(c: Change, subject: { name: string }, raw: unknown): void {
  if (c.status !== "previewed") {
    throw new ConflictError(c.status === "previewing" ? "The preview is still running; apply it once it has finished." : `This change is ${c.status}; propose it again to apply it.`);
  }
  const losses = dataLosses(c);
  const typed = raw && typeof raw === "object" ? (raw as Record<string, unknown>).confirmName : undefined;
  if (losses.length && (typeof typed !== "string" || typed.trim() !== subject.name)) {
    const what = findKind(c.stackKind).words.subject;
    throw new InvalidInputError([
      { field: "confirmName", message: `type the ${what}'s name, ${subject.name}, to confirm: this change replaces ${losses.map((s) => s.name).join(", ")}, and what is stored there is lost` },
    ]);
  }
}

/** Discards a change that is being previewed or waits to be applied. */
export function discardChange(deps: Deps, c: Change): void {
  if (!moveChange(deps.db, c.id, "previewed", "discarded") && !moveChange(deps.db, c.id, "previewing", "discarded")) {
    throw new ConflictError(`This change is ${c.status}; there is nothing to discard.`);
  }
}
