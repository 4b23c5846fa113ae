// The maintenance switch as actions see it. `requireChangesAllowed` is the one guard every action
// that changes infrastructure calls: server create, retry, destroy, start and stop, and adding,
// changing or deleting a credential (what the next operation will run with). Reads, credential
// checks, node checks, cancelling an operation (it stops a change) and everything about accounts
// (users, sign-in, passwords, tokens, disabling someone) stay allowed: a maintenance window or
// an incident is when an admin may need them most. The engine asks the same state before
// starting any queued operation.
import { z } from "zod";
import { setPause, type Pause } from "../../state/maintenance.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, InvalidInputError, MaintenanceError } from "../errors.ts";
import { audit } from "./audit.ts";
import { requireAdmin } from "./guards.ts";
import { asObject, parse } from "./input.ts";

export const pauseText = (p: Pause) =>
  `Changes are paused${p.by ? ` by ${p.by}` : ""} since ${p.since.toISOString().slice(0, 16).replace("T", " ")} UTC: ${p.reason}. Pages, reads and running operations go on.`;

/** Throws a MaintenanceError (503, with the reason) while changes are paused. */
export function requireChangesAllowed(deps: Deps): void {
  const p = deps.paused();
  if (p) throw new MaintenanceError(pauseText(p));
}

const switchSchema = z.object({
  paused: z.union([z.boolean(), z.enum(["1", "0"]).transform((v) => v === "1")], { error: "must be true or false" }),
  reason: z.string().trim().max(200, "must be at most 200 characters").optional(),
});

/** Pauses changes (with a reason the pages and the API show) or resumes them; admins only. */
export function setMaintenance(deps: Deps, actor: Actor, raw: unknown): Pause | undefined {
  requireAdmin(actor);
  const input = parse(switchSchema, asObject(raw));
  if (deps.config.readOnly) throw new ConflictError("Hoist was started with HOIST_READ_ONLY: restart it without that setting to resume changes.");
  if (input.paused && !input.reason) throw new InvalidInputError([{ field: "reason", message: "is required: say why changes are paused" }]);
  setPause(deps.db, input.paused ? { reason: input.reason! } : null, actor.user.email);
  audit(deps, actor, input.paused ? "maintenance.pause" : "maintenance.resume", "ok", undefined, input.reason);
  return deps.paused();
}
