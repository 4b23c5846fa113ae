// What every route handler can reach: the dependencies (passed in, never global) and the request's
// actor, session and CSRF token as typed Hono variables.
import type { Logger } from "pino";
import type { Pause } from "../state/maintenance.ts";
import type { Engine } from "../engine/engine.ts";
import type { AppEntry } from "../stacks/app-catalog.ts";
import type { Gateway } from "../gateway/gateway.ts";
import type { Monitor } from "../engine/monitor.ts";
import type { Db } from "../state/db.ts";
import type { Scope } from "../state/scope.ts";
import type { Keyring } from "../state/secrets.ts";
import type { Session } from "../state/sessions.ts";
import type { User } from "../state/users.ts";
import type { RefusedSignIns } from "./actions/sign-in.ts";
import type { Backoff, RateLimiter } from "./auth/rate-limit.ts";
import type { CookieJar } from "./auth/cookies.ts";
import type { SetupGate } from "./auth/setup-code.ts";
import type { Config } from "./config.ts";
import type { StreamRegistry } from "./streams.ts";

export interface Deps {
  config: Config;
  db: Db;
  keyring: Keyring;
  log: Logger;
  limits: { signInByAddress: RateLimiter; signInByAccount: Backoff; refusedSignIns: RefusedSignIns; serverChanges: RateLimiter };
  /** First run: the one-time code that lets the first admin be created. */
  setup: SetupGate;
  /** The live streams open now, per user (bounded; closed on sign-out and role changes). */
  streams: StreamRegistry;
  /** Why changes are paused now (the maintenance switch), or undefined (server/actions/maintenance.ts). */
  paused(): Pause | undefined;
  /** Runs stack operations; started by server/main.ts (or a test), not by createDeps. */
  engine: Engine;
  /** The marketplace's apps, loaded and validated at start. */
  catalog: readonly AppEntry[];
  /** The gateway (HAProxy); started by server/main.ts (or a test), not by createDeps. */
  gateway: Gateway;
  /** Samples nodes' usage over SSH; started by server/main.ts (or a test), not by createDeps. */
  monitor: Monitor;
}

/** Who is acting: the user, what they may see, and how they authenticated. */
export interface Actor {
  user: User;
  scope: Scope;
  via: "session" | "token";
  /** The session or API token it came with (its live streams end with it). */
  sessionId?: string;
  tokenId?: string;
}

export type Env = {
  Variables: {
    actor?: Actor;
    session?: Session;
    /** The token forms must echo back (the session's, or the pre-session cookie's). */
    csrf: string;
    /** How cookies are named and set (server/auth/cookies.ts). */
    cookies: CookieJar;
    /** Set while changes are paused, for the pages to say so. */
    paused?: Pause;
  };
};
