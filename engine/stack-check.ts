// Proof that a stack's secrets still open: its config read back with the secrets shown, through
// the Automation API, with the passphrase the settings hold. `hoist rotate-key` runs it on every
// stack before and after a rotation.
import { selectStack, type PulumiSettings } from "./workspace.ts";

export interface StackSecrets {
  stack: string;
  /** Secret config values that were decrypted. */
  secrets: number;
}

/** Decrypts the stack's secret config; throws Pulumi's own error when the passphrase is wrong. */
export async function openStackSecrets(settings: PulumiSettings, name: string): Promise<StackSecrets> {
  const stack = await selectStack(settings, name);
  const config = await stack.getAllConfig();
  const secrets = Object.values(config).filter((v) => v.secret);
  if (secrets.some((v) => typeof v.value !== "string" || v.value === "")) throw new Error(`${name}: a secret config value did not decrypt`);
  return { stack: name, secrets: secrets.length };
}
