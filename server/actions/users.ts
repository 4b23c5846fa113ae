// Accounts: the first admin, invitations, roles and removal (sign-in is sign-in.ts; disabling and passwords are user-access.ts).
import { z } from "zod";
import { deleteUserSessions } from "../../state/sessions.ts";
import { countLiveServers } from "../../state/servers.ts";
import { roles } from "../../state/statuses.ts";
import {
  countUsers,
  deleteUser,
  findUser,
  findUserByEmail,
  findUserByInvite,
  acceptInvitation,
  insertFirstAdmin,
  insertUser,
  listUsers as listRows,
  updateUser,
  type User,
} from "../../state/users.ts";
import { hashPassword } from "../auth/passwords.ts";
import { randomToken, sha256 } from "../auth/tokens.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError } from "../errors.ts";
import { audit } from "./audit.ts";
import { requireAdmin } from "./guards.ts";
import { asObject, displayName, email, parse, password } from "./input.ts";

const INVITE_DAYS = 7;

const setupSchema = z.object({
  setupCode: z.string({ error: "is required" }).trim().min(1, "is required").max(64, "must be at most 64 characters"),
  email,
  name: displayName,
  password,
});

const alreadySetUp = () => new ConflictError("Hoist is already set up; sign in instead.");

/**
 * Creates the first account, as admin, for whoever shows the setup code Hoist printed at start;
 * refused once any account exists (checked again atomically with the insert).
 */
export async function createFirstAdmin(deps: Deps, raw: unknown, address = "local"): Promise<User> {
  if (countUsers(deps.db) > 0) throw alreadySetUp();
  const input = parse(setupSchema, asObject(raw));
  // Counted before the code is compared, so parallel guesses are limited too.
  const wait = deps.limits.signInByAddress.take(address);
  if (wait > 0) throw new RateLimitedError(`Too many attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`, wait);
  if (!deps.setup.matches(input.setupCode)) {
    throw new InvalidInputError([{ field: "setupCode", message: "is not the setup code Hoist printed in its log when it started (also in the file setup-code in its data folder)" }]);
  }
  const user = insertFirstAdmin(deps.db, { email: input.email, name: input.name, passwordHash: await hashPassword(input.password) });
  if (!user) throw alreadySetUp();
  deps.setup.used();
  audit(deps, { id: user.id, email: user.email }, "user.setup", "ok", { type: "user", id: user.id });
  return user;
}

export function listUsers(deps: Deps, actor: Actor): User[] {
  requireAdmin(actor);
  return listRows(deps.db);
}

const inviteSchema = z.object({ email, name: displayName, role: z.enum(roles, { error: `must be one of ${roles.join(", ")}` }) });

/** Invites a user; returns the one-time token for the invitation link (shown once). */
export function inviteUser(deps: Deps, actor: Actor, raw: unknown): { user: User; token: string } {
  requireAdmin(actor);
  const input = parse(inviteSchema, asObject(raw));
  if (findUserByEmail(deps.db, input.email)) throw new InvalidInputError([{ field: "email", message: "already has an account" }]);
  const token = randomToken();
  const user = insertUser(deps.db, {
    ...input,
    state: "invited",
    inviteTokenHash: sha256(token),
    inviteExpiresAt: new Date(Date.now() + INVITE_DAYS * 86_400_000),
    invitedBy: actor.user.id,
  });
  audit(deps, actor, "user.invite", "ok", { type: "user", id: user.id }, `${user.email} as ${user.role}`);
  return { user, token };
}

/** The pending invitation behind a link, or NotFound when it is unknown, used or expired. */
export function findInvite(deps: Deps, token: string): User {
  const user = /^[A-Za-z0-9_-]{43}$/.test(token) ? findUserByInvite(deps.db, sha256(token)) : undefined;
  if (!user || user.state !== "invited" || !user.inviteExpiresAt || user.inviteExpiresAt < new Date()) throw new NotFoundError("invitation");
  return user;
}

/** Sets the invited user's password and activates them; a second accept of the same link is NotFound. */
export async function acceptInvite(deps: Deps, token: string, raw: unknown): Promise<User> {
  const user = findInvite(deps, token);
  const input = parse(z.object({ password }), asObject(raw));
  // The link is checked again in the write itself: the password hash took a while.
  if (!acceptInvitation(deps.db, user.id, sha256(token), await hashPassword(input.password))) throw new NotFoundError("invitation");
  audit(deps, { id: user.id, email: user.email }, "user.accept_invite", "ok", { type: "user", id: user.id });
  return findUser(deps.db, user.id)!;
}

const roleSchema = z.object({ role: z.enum(roles, { error: `must be one of ${roles.join(", ")}` }) });

export function changeRole(deps: Deps, actor: Actor, id: string, raw: unknown): User {
  requireAdmin(actor);
  const user = findUser(deps.db, id);
  if (!user) throw new NotFoundError("user");
  const { role } = parse(roleSchema, asObject(raw));
  if (user.id === actor.user.id && role !== "admin") throw new ForbiddenError("You cannot take the admin role from yourself.");
  updateUser(deps.db, id, { role });
  // Their open streams were authorised for the old role; reconnecting checks the new one.
  deps.streams.closeUser(id);
  audit(deps, actor, "user.role", "ok", { type: "user", id }, `${user.email}: ${user.role} → ${role}`);
  return findUser(deps.db, id)!;
}

/** Removes a user with their credentials; one who still has servers must have them destroyed first. */
export function removeUser(deps: Deps, actor: Actor, id: string): User {
  requireAdmin(actor);
  const user = findUser(deps.db, id);
  if (!user) throw new NotFoundError("user");
  if (user.id === actor.user.id) throw new ForbiddenError("You cannot remove your own account.");
  // Their servers' stacks and cloud resources would be left with nothing in Hoist to manage them.
  const live = countLiveServers(deps.db, { userId: id });
  if (live > 0) throw new ConflictError(`${user.email} still has ${live} server(s). Destroy them first, then remove the user.`);
  deleteUserSessions(deps.db, id);
  deps.streams.closeUser(id);
  deleteUser(deps.db, id);
  audit(deps, actor, "user.remove", "ok", { type: "user", id }, user.email);
  return user;
}
