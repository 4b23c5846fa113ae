// Opening a stored credential for use: its sealed secret decrypted at that moment, never cached,
// with its settings and the cloud's endpoint override. The one place both the engine and the
// console's catalog calls get a usable credential from.
import type { CloudCredential } from "../stacks/cloud.ts";
import { sealedSecretOf } from "../state/credentials.ts";
import type { Db } from "../state/db.ts";
import { credentialSecretRef } from "../state/sealed-columns.ts";
import { openJson, type Keyring } from "../state/secrets.ts";

export interface CredentialContext {
  db: Db;
  keyring: Keyring;
  /** API endpoint overrides by cloud id (`HOIST_ENDPOINT_<CLOUD>`). */
  endpoints: Record<string, string>;
}

/** The credential ready for a provider call, or undefined when its row (or secret) is gone. */
export function openCredential(ctx: CredentialContext, cred: { id: string; cloud: string; settings: Record<string, string> }): CloudCredential | undefined {
  const sealed = sealedSecretOf(ctx.db, cred.id);
  if (!sealed) return undefined;
  return { secret: openJson(ctx.keyring, sealed, credentialSecretRef(cred.id)), settings: cred.settings, endpoint: ctx.endpoints[cred.cloud] };
}
