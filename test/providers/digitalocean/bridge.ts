// What the Pulumi Terraform bridge does around every resource of a bridged provider: autonaming
// from the engine's seed, defaults recorded in `__defaults`, secrets and unknowns on the wire,
// diffs that turn ForceNew fields into replacements, and Terraform's error formatting.
import { createHash, randomBytes } from "node:crypto";
import type { CheckFailure, DiffResult, Provider } from "@pulumi/pulumi/provider/index.js";
import { checkSeed, ResourceInitError } from "../serve.ts";

/** The engine's marker for a value not known yet (during preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Props = Record<string, unknown>;

/** The CRUD a stand-in implements for one resource type. */
export type ResourceHandler = Required<Pick<Provider, "check" | "diff" | "create" | "read" | "update" | "delete">>;

function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Props)[SIG] === SECRET_SIG;
}

/** The plain value of wire properties: secrets unwrapped, at any depth. */
export function reveal<T = Props>(v: unknown): T {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map((x) => reveal(x)) as T;
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)])) as T;
  return v as T;
}

function hasSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (typeof v === "object" && v !== null) return Object.values(v).some(hasSecret);
  return false;
}

/** Outputs with each property that was (or held) a secret in `like` made secret again. */
export function reseal(like: Props, outputs: Props): Props {
  const out = { ...outputs };
  for (const [k, v] of Object.entries(like)) {
    if (hasSecret(v) && out[k] !== undefined && !isSecret(out[k])) out[k] = { [SIG]: SECRET_SIG, value: out[k] };
  }
  return out;
}

export function isUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (isSecret(v)) return isUnknown(v.value);
  if (Array.isArray(v)) return v.some(isUnknown);
  if (typeof v === "object" && v !== null) return Object.values(v).some(isUnknown);
  return false;
}

/** The resource's name in its URN (`urn:pulumi:stack::project::type::name`). */
export function urnName(urn: string): string {
  return urn.split("::").at(-1) ?? "";
}

/** The resource type token in a URN, without parent types. */
export function urnType(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").at(-1) ?? "";
}

/**
 * Check as the bridge does it: the program's inputs plus the schema defaults it left out, the
 * names of those in `__defaults`, and an autoname (`<urn name>-<7 hex>`, derived from the
 * engine's seed, which an update plan replays, so a planned up keeps the name its preview showed)
 * unless the old inputs already carry a name.
 */
export function checkInputs(urn: string, olds: Props, news: Props, defaults: Props, required: string[]): { inputs: Props; failures: CheckFailure[] } {
  const inputs: Props = { ...news };
  const added: string[] = [];
  for (const [k, v] of Object.entries(defaults)) {
    if (inputs[k] === undefined) {
      inputs[k] = v;
      added.push(k);
    }
  }
  if (inputs.name === undefined) {
    inputs.name = typeof olds.name === "string" ? olds.name : autoname(urnName(urn));
    added.push("name");
  }
  inputs.__defaults = added.sort();
  const failures = required
    .filter((k) => news[k] === undefined)
    .map((k) => ({ property: k, reason: `Missing required argument. The argument "${k}" is required, but no definition was found.` }));
  return { inputs, failures };
}

function autoname(prefix: string): string {
  const seed = checkSeed();
  const hex = seed.length ? createHash("sha256").update(seed).update(prefix).digest("hex") : randomBytes(4).toString("hex");
  return `${prefix}-${hex.slice(0, 7)}`;
}

/** One input of a resource, as its diff treats it. */
export interface Field {
  key: string;
  /** ForceNew (or a function deciding it from old and new plain values). */
  replace?: boolean | ((old: unknown, now: unknown) => boolean);
  /** Optional+Computed: leaving it out of the program is no change. */
  computed?: boolean;
  /** Equality after normalisation (default: deep equality of `norm` of both). */
  same?: (old: unknown, now: unknown) => boolean;
  norm?: (v: unknown) => unknown;
}

/** Diffs checked inputs against the state's outputs. */
export function diffFields(fields: Field[], olds: Props, news: Props): DiffResult {
  const replaces: string[] = [];
  let changes = false;
  for (const f of fields) {
    const raw = news[f.key];
    if (raw === undefined && f.computed) continue;
    const old = reveal(olds[f.key]);
    const now = reveal(raw);
    const norm = f.norm ?? ((v: unknown) => v ?? null);
    const changed = isUnknown(raw) || !(f.same ? f.same(old, now) : JSON.stringify(norm(old)) === JSON.stringify(norm(now)));
    if (!changed) continue;
    changes = true;
    const replace = typeof f.replace === "function" ? f.replace(old, now) : f.replace;
    if (replace) replaces.push(f.key);
  }
  // An explicit name cannot be held by the old and the new resource at once.
  const explicitName = news.name !== undefined && !(Array.isArray(news.__defaults) && news.__defaults.includes("name"));
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && explicitName };
}

/** A string set, compared case-sensitively and order-free. */
export const asSet = (v: unknown) => (Array.isArray(v) ? [...new Set(v.map(String))].sort() : []);
export const asBool = (v: unknown) => v === true;
export const asLower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v ?? null);

/** A Terraform diagnostic as the bridge reports it to the engine. */
export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(summary: string) {
    // go-multierror's rendering of the resource's diagnostics.
    super(`1 error occurred:\n\t* ${summary}\n\n`);
  }
}

/**
 * The resource exists (it has an id) but did not finish creating: the engine keeps it in state
 * (so destroy can delete it) and reports `creating <urn>: <diagnostic>`, as the bridge does.
 */
export function initFailed(urn: string, summary: string, id: string, state: Props): ResourceInitError {
  return new ResourceInitError(`creating ${urn}: ${new ProviderError(summary).message}`, id, clean(state));
}

/** An error as the bridge hands it to the engine, with its `<verb> <urn>: ` prefix. */
export class BridgedError extends Error {
  override name = "BridgedError";
}

/** The bridge's prefix on failures of an existing resource: `refreshing <urn>: …`, `deleting <urn>: …`. */
export function withVerb(verb: "diffing" | "refreshing" | "updating" | "deleting", urn: string, err: unknown): Error {
  if (err instanceof ResourceInitError || err instanceof BridgedError) return err;
  return new BridgedError(`${verb} ${urn}: ${(err as Error).message}`);
}

/** Drops undefined values, which the gRPC Struct cannot carry. */
export function clean(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined));
}

/** Terraform's state hash of user_data: hex(sha1(text)). */
export function sha1Hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
