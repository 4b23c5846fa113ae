// Credential actions shared by the pages and the JSON API.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { openCredential } from "../../engine/credentials.ts";
import type { CloudAdapter, CloudCredential, CredentialCheck } from "../../stacks/cloud.ts";
import { clouds, findCloud } from "../../stacks/clouds.ts";
import {
  deleteCredential as deleteRow,
  findCredential,
  insertCredential,
  listCredentials as listRows,
  nameTaken,
  setValidity,
  updateCredential,
  type Credential,
} from "../../state/credentials.ts";
import { credentialSecretRef } from "../../state/sealed-columns.ts";
import { sealJson } from "../../state/secrets.ts";
import type { Actor, Deps } from "../env.ts";
import { InvalidInputError, NotFoundError, type FieldError } from "../errors.ts";
import { audit } from "./audit.ts";
import { requireWriter } from "./guards.ts";
import { requireChangesAllowed } from "./maintenance.ts";
import { asObject, displayName, parse } from "./input.ts";

export type { Credential };

export function listCredentials(deps: Deps, actor: Actor): Credential[] {
  return listRows(deps.db, actor.scope);
}

/** The credential ready for a provider call: its secret decrypted now, for this use only. */
export function openCredentialOf(deps: Deps, cred: Credential): CloudCredential {
  const open = openCredential({ db: deps.db, keyring: deps.keyring, endpoints: deps.config.endpoints }, cred);
  if (!open) throw new NotFoundError("credential");
  return open;
}

/** The credential, or NotFound when it is not the actor's to see. */
export function getCredential(deps: Deps, actor: Actor, id: string): Credential {
  const c = findCredential(deps.db, actor.scope, id);
  if (!c) throw new NotFoundError("credential");
  return c;
}

function cloudOf(id: unknown): CloudAdapter {
  const cloud = typeof id === "string" ? findCloud(id) : undefined;
  if (!cloud) {
    const known = clouds.map((c) => c.id).join(", ");
    throw new InvalidInputError([{ field: "provider", message: typeof id === "string" && id ? `must be one of ${known}` : "is required" }]);
  }
  return cloud;
}

/** The provider's fields from `raw`, split into sealed secret and plain settings. */
function parseFields(cloud: CloudAdapter, raw: Record<string, unknown>, optional: boolean) {
  const secret: Record<string, string> = {};
  const settings: Record<string, string> = {};
  const errors: FieldError[] = [];
  for (const f of cloud.credentialFields) {
    const value = raw[f.key];
    if (optional && (value === undefined || value === "")) continue;
    const r = z.string({ error: "is required" }).trim().min(1, "is required").max(256, "must be at most 256 characters").pipe(f.schema).safeParse(value);
    if (!r.success) errors.push({ field: f.key, message: r.error.issues[0]!.message });
    else (f.secret ? secret : settings)[f.key] = r.data;
  }
  return { secret, settings, errors };
}

export async function createCredential(deps: Deps, actor: Actor, rawInput: unknown): Promise<Credential> {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const raw = asObject(rawInput);
  const errors: FieldError[] = [];
  const name = displayName.safeParse(raw.name);
  if (!name.success) errors.push({ field: "name", message: name.error.issues[0]!.message });
  let cloud: CloudAdapter | undefined;
  try {
    cloud = cloudOf(raw.provider);
  } catch (err) {
    errors.push(...(err as InvalidInputError).fields);
  }
  const fields = cloud ? parseFields(cloud, raw, false) : undefined;
  errors.push(...(fields?.errors ?? []));
  if (name.success && nameTaken(deps.db, actor.user.id, name.data)) errors.push({ field: "name", message: `a credential named "${name.data}" already exists` });
  if (errors.length || !cloud || !fields || !name.success) throw new InvalidInputError(errors);

  const id = randomUUID();
  const created = insertCredential(deps.db, {
    id,
    userId: actor.user.id,
    name: name.data,
    cloud: cloud.id,
    secret: sealJson(deps.keyring, fields.secret, credentialSecretRef(id)),
    settings: fields.settings,
  });
  const check = await runCheck(deps, created, cloud);
  audit(deps, actor, "credential.create", "ok", { type: "credential", id: created.id }, `${created.name} (${cloud.id}): ${check.validity}`);
  return getCredential(deps, actor, created.id);
}

const patchSchema = z.object({ name: displayName.optional() });

/** Renames the credential and/or replaces its secret fields (re-validating it then). */
export async function updateCredentialAction(deps: Deps, actor: Actor, id: string, rawInput: unknown): Promise<Credential> {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const current = getCredential(deps, actor, id);
  const raw = asObject(rawInput);
  const cloud = cloudOf(current.cloud);
  const { name } = parse(patchSchema, { name: raw.name === "" ? undefined : raw.name });
  const fields = parseFields(cloud, raw, true);
  if (fields.errors.length) throw new InvalidInputError(fields.errors);
  if (name && nameTaken(deps.db, current.userId, name, id)) throw new InvalidInputError([{ field: "name", message: `a credential named "${name}" already exists` }]);
  const replacing = Object.keys(fields.secret).length > 0 || Object.keys(fields.settings).length > 0;
  if (!name && !replacing) throw new InvalidInputError([{ field: "name", message: "give a new name or new secret fields" }]);
  let secret: string | undefined;
  if (replacing) {
    // Fields left empty keep their sealed values.
    const previous = openCredentialOf(deps, current).secret.reveal();
    secret = sealJson(deps.keyring, { ...previous, ...fields.secret }, credentialSecretRef(id));
  }
  updateCredential(deps.db, id, { name, secret, settings: replacing ? { ...current.settings, ...fields.settings } : undefined });
  const changed = [name && `renamed to ${name}`, replacing && "secret replaced"].filter(Boolean).join(", ");
  audit(deps, actor, "credential.update", "ok", { type: "credential", id }, changed);
  if (replacing) await runCheck(deps, getCredential(deps, actor, id), cloud);
  return getCredential(deps, actor, id);
}

export async function validateCredential(deps: Deps, actor: Actor, id: string): Promise<Credential> {
  requireWriter(actor);
  const current = getCredential(deps, actor, id);
  const check = await runCheck(deps, current, cloudOf(current.cloud));
  audit(deps, actor, "credential.validate", "ok", { type: "credential", id }, check.validity);
  return getCredential(deps, actor, id);
}

export function deleteCredentialAction(deps: Deps, actor: Actor, id: string): Credential {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const current = getCredential(deps, actor, id);
  deleteRow(deps.db, id);
  audit(deps, actor, "credential.delete", "ok", { type: "credential", id }, current.name);
  return current;
}

/** Asks the provider about the credential, decrypting the secret afresh, and records the answer. */
async function runCheck(deps: Deps, cred: Credential, cloud: CloudAdapter): Promise<CredentialCheck> {
  const check = await cloud.checkCredential(openCredentialOf(deps, cred));
  setValidity(deps.db, cred.id, check.validity, check.validity === "valid" ? null : check.reason);
  deps.log.info({ credential: cred.id, cloud: cloud.id, validity: check.validity }, "credential checked");
  return check;
}
