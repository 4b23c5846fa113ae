// The signed-in user's own SSH public keys (Settings → SSH keys): validated, fingerprinted, and
// offered by the create form to be installed on new servers beside Hoist's key.
import { z } from "zod";
import { isPublicKeyLine, sshFingerprint } from "../../stacks/server.ts";
import { deleteUserKey, insertUserKey, listUserKeys, userKeysByIds, type UserKey } from "../../state/user-keys.ts";
import type { Actor, Deps } from "../env.ts";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import { audit } from "./audit.ts";
import { requireWriter } from "./guards.ts";
import { asObject, displayName, parse } from "./input.ts";

export type { UserKey };

const publicKey = z
  .string({ error: "is required" })
  // Pasted keys often carry a trailing newline or Windows line ending; two keys are two lines.
  .transform((v) => v.trim())
  .pipe(z.string().refine((v) => !/[\r\n]/.test(v), "must be one key on one line: add each key on its own"))
  .transform((v) => v.replace(/[ \t]+/g, " "))
  .pipe(z.string().min(1, "is required").max(16_384, "is too long for an SSH public key").refine(isPublicKeyLine, "must be an OpenSSH public key line, e.g. “ssh-ed25519 AAAA… you@laptop” (the .pub file, never the private key)"));

const addSchema = z.object({
  name: displayName,
  publicKey: z.string({ error: "is required" }).refine((v) => !/PRIVATE KEY/.test(v), "is a private key: never paste it anywhere; paste the public half (the .pub file) instead").pipe(publicKey),
});

export function listUserKeysOf(deps: Deps, actor: Actor): UserKey[] {
  return listUserKeys(deps.db, actor.user.id);
}

export function addUserKey(deps: Deps, actor: Actor, raw: unknown): UserKey {
  requireWriter(actor);
  const input = parse(addSchema, asObject(raw));
  const fingerprint = sshFingerprint(input.publicKey);
  const mine = listUserKeys(deps.db, actor.user.id);
  const same = mine.find((k) => k.fingerprint === fingerprint);
  if (same) throw new InvalidInputError([{ field: "publicKey", message: `is already one of your keys (“${same.name}”)` }]);
  if (mine.some((k) => k.name === input.name)) throw new InvalidInputError([{ field: "name", message: `you already have a key named “${input.name}”` }]);
  const key = insertUserKey(deps.db, { userId: actor.user.id, name: input.name, publicKey: input.publicKey, fingerprint });
  audit(deps, actor, "ssh_key.add", "ok", { type: "ssh_key", id: key.id }, `${key.name} ${fingerprint}`);
  return key;
}

export function removeUserKey(deps: Deps, actor: Actor, id: string): void {
  requireWriter(actor);
  if (!deleteUserKey(deps.db, actor.user.id, id)) throw new NotFoundError("SSH key");
  audit(deps, actor, "ssh_key.remove", "ok", { type: "ssh_key", id });
}

/** The actor's keys named by `ids` (a create form's or API body's choice); an unknown id names the field. */
export function chosenUserKeys(deps: Deps, actor: Actor, ids: unknown, field = "sshKeyIds"): UserKey[] {
  const list = ids === undefined || ids === "" ? [] : Array.isArray(ids) ? ids : [ids];
  if (list.some((id) => typeof id !== "string" || !/^[0-9a-f-]{36}$/.test(id))) throw new InvalidInputError([{ field, message: "must be ids of your SSH keys" }]);
  const unique = [...new Set(list as string[])];
  const found = userKeysByIds(deps.db, actor.user.id, unique);
  if (found.length !== unique.length) throw new InvalidInputError([{ field, message: "names a key that is not one of yours" }]);
  return found;
}
