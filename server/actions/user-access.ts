// Locking a user out, letting them back in, and changing one's password. Disabling ends every
// session and live stream of the user and revokes their API tokens at once, and keeps their
// infrastructure running: it stays theirs (admins see and manage it) or goes to an admin.
import { z } from "zod";
import { deleteUserTokens } from "../../state/api-tokens.ts";
import { handOver, ownedCounts } from "../../state/ownership.ts";
import { deleteUserSessions } from "../../state/sessions.ts";
import { findUser, listUsers, updateUser, type User } from "../../state/users.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError } from "../errors.ts";
import { audit } from "./audit.ts";
import { requireAdmin } from "./guards.ts";
import { asObject, parse, password } from "./input.ts";

function otherUser(deps: Deps, actor: Actor, id: string, verb: string): User {
  requireAdmin(actor);
  const user = findUser(deps.db, id);
  if (!user) throw new NotFoundError("user");
  if (user.id === actor.user.id) throw new ForbiddenError(`You cannot ${verb} your own account.`);
  return user;
}

const disableSchema = z.object({ handTo: z.string().optional() });

/** The active admins a disabled user's servers and credentials can go to. */
export function handOverChoices(deps: Deps, user: User): User[] {
  return listUsers(deps.db).filter((a) => a.role === "admin" && a.state === "active" && a.id !== user.id);
}

/** Disables the user; `handTo` (an active admin's id) receives their servers and credentials. */
export function disableUser(deps: Deps, actor: Actor, id: string, raw?: unknown): User {
  const user = otherUser(deps, actor, id, "disable");
  const { handTo } = parse(disableSchema, raw === undefined ? {} : asObject(raw));
  const to = handTo ? handOverChoices(deps, user).find((a) => a.id === handTo) : undefined;
  if (handTo && !to) throw new InvalidInputError([{ field: "handTo", message: "must be another active admin" }]);
  if (user.state === "disabled") throw new ConflictError(`${user.email} is already disabled.`);
  updateUser(deps.db, id, { state: "disabled", inviteTokenHash: null, inviteExpiresAt: null });
  deleteUserSessions(deps.db, id);
  const tokens = deleteUserTokens(deps.db, id);
  deps.streams.closeUser(id);
  const owned = ownedCounts(deps.db, id);
  const handed = to ? handOver(deps.db, id, to.id) : undefined;
  const what = handed
    ? `${handed.servers} server(s) and ${handed.credentials} credential(s) handed to ${to!.email}${Object.keys(handed.renamed).length ? ` (renamed: ${Object.entries(handed.renamed).map(([a, b]) => `${a} → ${b}`).join(", ")})` : ""}`
    : `keeps ${owned.servers} server(s) and ${owned.credentials} credential(s)`;
  audit(deps, actor, "user.disable", "ok", { type: "user", id }, `${user.email}: sessions ended, ${tokens} API token(s) revoked; ${what}`);
  return findUser(deps.db, id)!;
}

export function enableUser(deps: Deps, actor: Actor, id: string): User {
  const user = otherUser(deps, actor, id, "enable");
  if (user.state !== "disabled") throw new ConflictError(`${user.email} is not disabled.`);
  // Disabled before accepting the invitation: they never chose a password.
  if (!user.passwordHash) throw new ConflictError(`${user.email} never set a password; remove them and invite them again.`);
  updateUser(deps.db, id, { state: "active" });
  audit(deps, actor, "user.enable", "ok", { type: "user", id }, user.email);
  return findUser(deps.db, id)!;
}

const passwordSchema = z.object({
  currentPassword: z.string({ error: "is required" }).min(1, "is required").max(200, "must be at most 200 characters"),
  newPassword: password,
});

/**
 * Changes the actor's own password after checking the current one (limited like a sign-in, so a
 * stolen session cannot be used to guess it), and ends every other session of theirs.
 */
export async function changePassword(deps: Deps, actor: Actor, raw: unknown): Promise<void> {
  const input = parse(passwordSchema, asObject(raw));
  const wait = deps.limits.signInByAccount.take(actor.user.email);
  if (wait > 0) throw new RateLimitedError(`Too many wrong passwords. Try again in ${wait} second(s).`, wait);
  if (!(await verifyPassword(input.currentPassword, actor.user.passwordHash ?? ""))) {
    audit(deps, actor, "user.password", "denied", { type: "user", id: actor.user.id }, "current password wrong");
    throw new InvalidInputError([{ field: "currentPassword", message: "is not your current password" }]);
  }
  deps.limits.signInByAccount.succeeded(actor.user.email);
  if (input.newPassword === input.currentPassword) throw new InvalidInputError([{ field: "newPassword", message: "must differ from the current password" }]);
  updateUser(deps.db, actor.user.id, { passwordHash: await hashPassword(input.newPassword) });
  deleteUserSessions(deps.db, actor.user.id, actor.sessionId);
  deps.streams.closeUser(actor.user.id, actor.sessionId);
  audit(deps, actor, "user.password", "ok", { type: "user", id: actor.user.id }, "other sessions ended");
}
