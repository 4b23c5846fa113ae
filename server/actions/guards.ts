import type { Actor } from "../env.ts";
import { ForbiddenError } from "../errors.ts";

/** Viewers read; operators and admins change things. */
export function requireWriter(actor: Actor): void {
  if (actor.user.role === "viewer") throw new ForbiddenError("Viewers have read-only access; ask an admin for the operator role.");
}

export function requireAdmin(actor: Actor): void {
  if (actor.user.role !== "admin") throw new ForbiddenError("Only admins can manage users.");
}
