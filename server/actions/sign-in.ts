// Sign-in: the password check behind two limits, counted before the check so that parallel
// attempts cannot all slip under them:
// - per address: 30 password checks in 15 minutes (refused attempts check nothing, so they
//   do not count);
// - per account, whatever the address: 5 free failures, then exponential backoff capped at one
//   minute. It delays rather than locks, so an attacker hammering an account gets one guess a
//   minute and its owner waits a minute at most.
// Refused attempts are audited as one row per account (or per address, for those the address
// limit stopped) and quarter hour, counting them.
import { z } from "zod";
import { recordAudit, repeatAudit } from "../../state/audit.ts";
import { findUserByEmail, type User } from "../../state/users.ts";
import { dummyHash, verifyPassword } from "../auth/passwords.ts";
import { BoundedMap } from "../auth/rate-limit.ts";
import type { Deps } from "../env.ts";
import { InvalidInputError, RateLimitedError } from "../errors.ts";
import { audit } from "./audit.ts";
import { asObject, email, parse } from "./input.ts";

const signInSchema = z.object({ email, password: z.string({ error: "is required" }).min(1, "is required").max(200, "must be at most 200 characters") });

const AGGREGATE_MS = 15 * 60_000;

type Refusal = "wrong password" | "rate limited" | "disabled" | "too many from this address";

/**
 * Refused sign-ins in the audit log as one row per account (or, for attempts the address limit
 * stopped, per address: those may name any number of made-up accounts) per quarter hour,
 * however many there are.
 */
export class RefusedSignIns {
  readonly #rows = new BoundedMap<{ id: number; since: number; counts: Record<string, number> }>(10_000);
  constructor(private readonly now: () => number = Date.now) {}

  record(deps: Pick<Deps, "db">, who: { email: string; id?: string } | { address: string }, why: Refusal, address: string): void {
    const key = "email" in who ? `account:${who.email}` : `address:${who.address}`;
    const now = this.now();
    const row = this.#rows.get(key);
    if (row && now - row.since < AGGREGATE_MS) {
      row.counts[why] = (row.counts[why] ?? 0) + 1;
      repeatAudit(deps.db, row.id, describe(row.counts, address));
      return;
    }
    const counts = { [why]: 1 };
    const actor = "email" in who ? { userId: who.id ?? null, actor: who.email } : { userId: null, actor: "anonymous" };
    const id = recordAudit(deps.db, { ...actor, action: "user.sign_in", outcome: "denied", detail: describe(counts, address) });
    this.#rows.set(key, { id, since: now, counts });
  }
}

const describe = (counts: Record<string, number>, address: string) =>
  `${Object.entries(counts)
    .map(([why, n]) => `${n} ${why}`)
    .join(", ")}; last from ${address}`.slice(0, 1000);

const waitText = (seconds: number) => (seconds < 120 ? `${seconds} second(s)` : `${Math.ceil(seconds / 60)} minute(s)`);

/** Checks the password, within the per-address and per-account limits. */
export async function signIn(deps: Deps, raw: unknown, address: string): Promise<User> {
  const input = parse(signInSchema, asObject(raw));
  const { signInByAddress: byAddress, signInByAccount: byAccount, refusedSignIns } = deps.limits;
  const refuse = (wait: number): never => {
    throw new RateLimitedError(`Too many sign-in attempts. Try again in ${waitText(wait)}.`, wait);
  };
  const addressWait = byAddress.take(address);
  if (addressWait > 0) {
    refusedSignIns.record(deps, { address }, "too many from this address", address);
    refuse(addressWait);
  }
  const accountWait = byAccount.take(input.email);
  if (accountWait > 0) {
    byAddress.refund(address);
    refusedSignIns.record(deps, { email: input.email }, "rate limited", address);
    refuse(accountWait);
  }
  const user = findUserByEmail(deps.db, input.email);
  const ok = await verifyPassword(input.password, user?.passwordHash ?? dummyHash);
  if (!user || !ok) {
    refusedSignIns.record(deps, { email: input.email, id: user?.id }, "wrong password", address);
    throw new InvalidInputError([{ field: "password", message: "email or password is wrong" }]);
  }
  byAccount.succeeded(input.email);
  byAddress.refund(address);
  if (user.state !== "active") {
    // Only someone who knows the password learns that the account is disabled.
    refusedSignIns.record(deps, { email: user.email, id: user.id }, "disabled", address);
    throw new InvalidInputError([{ field: "email", message: "this account is disabled; ask an admin" }]);
  }
  audit(deps, { email: user.email, id: user.id }, "user.sign_in", "ok");
  return user;
}
