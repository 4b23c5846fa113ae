// The test bed's account and credentials, written through the console's own actions into its
// database before the console starts: an admin for the user, and one credential per emulated
// cloud. The emulators keep their tokens with their state, but a reset makes new ones, so an
// existing credential gets its secret replaced (and re-validated) rather than a duplicate.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { DestinationStream } from "pino";
import { createCredential, listCredentials, updateCredentialAction, type Credential } from "../../server/actions/credentials.ts";
import { createFirstAdmin } from "../../server/actions/users.ts";
import { SETUP_CODE_FILE } from "../../server/auth/setup-code.ts";
import type { Config } from "../../server/config.ts";
import { createDeps } from "../../server/deps.ts";
import type { Actor } from "../../server/env.ts";
import { scopeOf } from "../../state/scope.ts";
import { listServers } from "../../state/servers.ts";
import { findUserByEmail, listUsers, type User } from "../../state/users.ts";

export const ADMIN_EMAIL = "admin@hoist.test";

/** What each cloud's credential form takes, keyed by the cloud's id. */
export type CloudSecrets = Record<string, Record<string, string>>;

export interface Seeded {
  email: string;
  /** Set when the password is known: generated now, or kept in the password file. */
  password?: string;
  credentials: Credential[];
  /** Servers an earlier run created, which the kept clouds still have. */
  earlierServers: string[];
}

/**
 * Makes sure the admin and the `testbed-<cloud>` credentials exist and carry this run's secrets.
 * `passwordFile` keeps the generated password (mode 0600) so a later start can print it again.
 */
export async function seed(config: Config, secrets: CloudSecrets, opts: { passwordFile: string; log: DestinationStream }): Promise<Seeded> {
  const deps = createDeps(config, { logDestination: opts.log });
  try {
    const { user, password } = await ensureAdmin(deps, opts.passwordFile);
    const actor: Actor = { user, scope: scopeOf(user), via: "session" };
    const mine = listCredentials(deps, actor).filter((c) => c.userId === user.id);
    const credentials: Credential[] = [];
    for (const [cloud, fields] of Object.entries(secrets)) {
      const name = `testbed-${cloud}`;
      const existing = mine.find((c) => c.name === name);
      credentials.push(
        existing
          ? await updateCredentialAction(deps, actor, existing.id, fields)
          : await createCredential(deps, actor, { name, provider: cloud, ...fields }),
      );
    }
    const earlierServers = listServers(deps.db, { userId: user.id, all: true }).map((s) => s.name);
    return { email: user.email, password, credentials, earlierServers };
  } finally {
    deps.close();
  }
}

async function ensureAdmin(deps: ReturnType<typeof createDeps>, passwordFile: string): Promise<{ user: User; password?: string }> {
  const known = findUserByEmail(deps.db, ADMIN_EMAIL);
  if (known) return { user: known, password: readPassword(passwordFile) };
  // Someone set the console up by hand (the first visit's /setup): use their first admin.
  const admin = listUsers(deps.db).find((u) => u.role === "admin" && u.state === "active");
  if (admin) return { user: admin };
  const password = randomBytes(12).toString("base64url");
  // The setup code, from where an operator finds it: the data folder.
  const setupCode = fs.readFileSync(path.join(deps.config.dataDir, SETUP_CODE_FILE), "utf8").trim();
  const user = await createFirstAdmin(deps, { setupCode, email: ADMIN_EMAIL, name: "Test-bed Admin", password });
  fs.writeFileSync(passwordFile, password + "\n", { mode: 0o600 });
  return { user, password };
}

function readPassword(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
