import { recordAudit } from "../../state/audit.ts";
import type { AuditOutcome } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";

/** Records a state-changing action (never a secret: details are names, ids and outcomes). */
export function audit(
  deps: Deps,
  actor: Actor | { email: string; id?: string } | undefined,
  action: string,
  outcome: AuditOutcome,
  target?: { type: string; id: string },
  detail?: string,
): void {
  const who = actor && "user" in actor ? { id: actor.user.id, email: actor.user.email } : actor;
  recordAudit(deps.db, {
    userId: who?.id ?? null,
    actor: who?.email ?? "anonymous",
    action,
    outcome,
    targetType: target?.type,
    targetId: target?.id,
    detail: detail?.slice(0, 1000),
  });
}
