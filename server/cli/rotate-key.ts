// `hoist rotate-key`: a new master key, every stored secret re-sealed under it, and proof that
// every stack still opens. The stacks' passphrase is one of the re-sealed secrets, not derived
// from the key, so it does not change and no stack needs re-encrypting.
//
// 1. Everything must open with the current keys first; otherwise nothing is changed.
// 2. The new key goes first into the key file; the older ones stay below it, so that a console
//    still running (which follows the key file) keeps opening what it has not seen re-sealed.
// 3. Every sealed value is sealed again under the new key, in one transaction.
// 4. Proof, with the new key alone: every value opens, and every stack's secret config is read
//    back through the Automation API with the passphrase that key opens.
// `hoist rotate-key --forget-old` then drops the older keys once nothing is sealed under them.
import { randomBytes } from "node:crypto";
import type { DestinationStream } from "pino";
import { openStackSecrets } from "../../engine/stack-check.ts";
import { stackExists } from "../../engine/workspace.ts";
import { loadMasterKeys, writeKeyFile } from "../../state/master-key.ts";
import { resealAll, sealedValues } from "../../state/reseal.ts";
import { createKeyring, keyId, sealedBy } from "../../state/secrets.ts";
import { kinds } from "../../engine/kinds.ts";
import type { Config } from "../config.ts";
import { createDeps } from "../deps.ts";

/** A rotation that cannot go ahead or did not prove itself; says what was (not) changed. */
export class RotationError extends Error {
  override name = "RotationError";
}

type Out = (line: string) => void;
type Opened = ReturnType<typeof createDeps>;

function refuseEnvKey(config: Config): void {
  if (config.masterKey) {
    throw new RotationError(
      "HOIST_MASTER_KEY gives the master key, and rotate-key writes the new one into the key file: move the key into HOIST_MASTER_KEY_FILE (mode 0600, one line), unset HOIST_MASTER_KEY, then rotate. Nothing was changed.",
    );
  }
}

/** The stacks of every kind (servers, deployments, …) that are not gone and were ever created. */
async function liveStacks(deps: Opened): Promise<string[]> {
  const settings = await deps.engine.pulumi();
  return kinds
    .flatMap((k) => k.subjects(deps.db))
    .map((s) => s.stack)
    .filter((s) => stackExists(settings, s));
}

/** Opens every sealed value and every stack's secrets with `deps`' keys; returns what it opened. */
async function proveAllOpen(deps: Opened, out: Out, failure: string): Promise<{ values: number; stacks: number }> {
  const values = sealedValues(deps.db);
  for (const v of values) {
    try {
      deps.keyring.open(v.value, v.ref);
    } catch (err) {
      throw new RotationError(`${v.ref.table}.${v.ref.column} of ${v.ref.id} does not open: ${(err as Error).message}. ${failure}`);
    }
  }
  const settings = await deps.engine.pulumi();
  const stacks = await liveStacks(deps);
  for (const name of stacks) {
    try {
      const r = await openStackSecrets(settings, name);
      out(`  ${name}: opens (${r.secrets} secret config value(s) decrypted)`);
    } catch (err) {
      throw new RotationError(`the stack ${name} does not open: ${(err as Error).message.split("\n").find((l) => l.trim()) ?? "unknown error"}. ${failure}`);
    }
  }
  return { values: values.length, stacks: stacks.length };
}

export async function rotateKey(config: Config, out: Out, log: DestinationStream): Promise<void> {
  refuseEnvKey(config);
  const fresh = randomBytes(32);
  const before = createDeps(config, { logDestination: log });
  try {
    out("Checking that everything opens with the current key:");
    const found = await proveAllOpen(before, out, "Nothing was changed.");
    out(`  ${found.values} sealed value(s) and ${found.stacks} stack(s) open.`);
    const { keys: old } = loadMasterKeys(config);
    writeKeyFile(config.masterKeyFile, [fresh, ...old], "older keys, kept until `hoist rotate-key --forget-old`");
    const { resealed } = resealAll(before.db, before.keyring, createKeyring([fresh, ...old]));
    out(`New key ${keyId(fresh)} is first in ${config.masterKeyFile}; re-sealed ${resealed} value(s) under it.`);
  } finally {
    before.close();
  }
  // The proof opens a second time, with the new key alone, as the next start will.
  const after = createDeps({ ...config, masterKey: fresh.toString("base64") }, { logDestination: log });
  try {
    out("Proving that everything opens with the new key alone:");
    const proved = await proveAllOpen(after, out, "The key file holds the new key and the older ones, so nothing is lost: fix the cause and run rotate-key again.");
    out(`  ${proved.values} sealed value(s) and ${proved.stacks} stack(s) open.`);
  } finally {
    after.close();
  }
  out("Done. Back up the key file now. The older keys stay in it for a console started before the rotation;");
  out("once every console has been restarted, `hoist rotate-key --forget-old` removes them.");
}

export async function forgetOldKeys(config: Config, out: Out, log: DestinationStream): Promise<void> {
  refuseEnvKey(config);
  // Opening re-seals whatever is still sealed under an older key (as every start does).
  const deps = createDeps(config, { logDestination: log });
  try {
    const { keys } = loadMasterKeys(config);
    if (keys.length === 1) {
      out(`The key file holds one key (${keyId(keys[0]!)}); nothing to forget.`);
      return;
    }
    const current = keyId(keys[0]!);
    const stale = sealedValues(deps.db).filter((v) => sealedBy(v.value)?.keyId !== current);
    if (stale.length) throw new RotationError(`${stale.length} value(s) are still sealed under an older key; nothing was changed.`);
    writeKeyFile(config.masterKeyFile, [keys[0]!], "");
    out(`Removed ${keys.length - 1} older key(s); ${config.masterKeyFile} holds the current key ${current} alone.`);
  } finally {
    deps.close();
  }
}
