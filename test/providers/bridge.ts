// What the bridged stand-ins (hcloud, digitalocean, aws) share with the Pulumi Terraform bridge:
// the engine's wire markers for secrets and for values unknown during preview, URN parts,
// autonaming from Check's random seed, defaults recorded in `__defaults`, and a Diff driven by a
// schema of fields. Where the stand-ins answer differently (the official providers do too), the
// provider passes its own comparison (`Schema.equal`) or wraps these; error wording stays with it.
import { createHash, randomBytes } from "node:crypto";
import type { CheckFailure, DiffResult } from "@pulumi/pulumi/provider/index.js";
import { checkSeed } from "./serve.ts";

export type Props = Record<string, any>;

/** The engine's marker for a value not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Props)[SIG] === SECRET_SIG;
}

/** The value wrapped as a secret; undefined, and a value already secret, stay as they are. */
export function secret(v: unknown): unknown {
  return v === undefined || isSecret(v) ? v : { [SIG]: SECRET_SIG, value: v };
}

/** The plain value: secrets unwrapped at any depth (the plugins accept secrets, so they arrive wrapped). */
export function reveal<T = any>(v: unknown): T {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map((x) => reveal(x)) as T;
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)])) as T;
  return v as T;
}

function holdsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (typeof v === "object" && v !== null) return Object.values(v).some(holdsSecret);
  return false;
}

/** The top-level keys whose value is, or holds, a secret. */
export function secretKeys(props: Props | undefined): string[] {
  return Object.entries(props ?? {})
    .filter(([, v]) => holdsSecret(v))
    .map(([k]) => k);
}

/** `props` with these top-level keys secret, as the bridge keeps secret inputs secret in state. */
export function wrapSecrets(props: Props, keys: string[]): Props {
  const out = { ...props };
  for (const k of keys) if (out[k] !== undefined) out[k] = secret(out[k]);
  return out;
}

/** `outputs` with each property that was (or held) a secret in `like` made secret again. */
export function reseal(like: Props, outputs: Props): Props {
  return wrapSecrets(outputs, secretKeys(like));
}

/** True when the value is, or holds, a value the engine does not know yet (preview). */
export function isUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
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
 * The bridge's autoname `<urn name>-<7 hex>`, or `prior` (the name already in state) when that is a
 * string, so that a later up neither renames nor replaces the resource. The hex is drawn from the
 * engine's seed for this Check, which an update plan replays, so a planned up keeps the name its
 * preview showed; like the SDK's NewUniqueName it depends on the seed alone.
 */
export function autoname(urn: string, prior?: unknown): string {
  if (typeof prior === "string") return prior;
  const seed = checkSeed();
  const hex = seed.length ? createHash("sha256").update(seed).digest("hex") : randomBytes(4).toString("hex");
  return `${urnName(urn)}-${hex.slice(0, 7)}`;
}

/** One input property of a resource, as Check and Diff treat it. */
export interface Field {
  /** A change replaces the resource (Terraform's ForceNew); a function decides from state and input. */
  replace?: boolean | ((state: any, input: any) => boolean);
  /** Optional+Computed: left out of the program, the property keeps what the cloud has. */
  computed?: boolean;
  /** Filled in by Check when absent (and listed in `__defaults` where the resource records them). */
  default?: unknown;
  /** The form in which state and input compare (sets sorted, case folded, …). */
  norm?: (v: any) => unknown;
  /** Whether the state already satisfies the input where comparing values is too strict (a hash in state). */
  same?: (state: any, input: any) => boolean;
}

/** How a provider compares a field's state and input (secrets already unwrapped). */
export type Equal = (state: unknown, input: unknown, field: Field) => boolean;

export interface Schema {
  /** Input properties, in the order Diff reports them; anything else in state is an output. */
  fields: Record<string, Field>;
  /** Inputs Check requires, reported in Terraform's wording (`null` counts as missing). */
  required?: string[];
  /** Whether Check records the defaults it filled in `__defaults` (SDKv2 resources do, Plugin Framework ones do not). */
  recordsDefaults?: boolean;
  /** Default: `tfEqual` of the normalised values. */
  equal?: Equal;
}

/** Terraform's diagnostic for a required argument the program left out. */
export const missingArgument = (argument: string) => `Missing required argument. The argument "${argument}" is required, but no definition was found.`;

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Check as the bridge does it: the program's inputs, an autoname, and the schema defaults the program left out. */
export function bridgeCheck(schema: Schema, urn: string, olds: Props | undefined, news: Props): { inputs: Props; failures: CheckFailure[] } {
  const inputs: Props = { ...news };
  const defaulted: string[] = [];
  if (inputs.name === undefined && "name" in schema.fields) {
    inputs.name = autoname(urn, olds?.name);
    defaulted.push("name");
  }
  for (const [key, field] of Object.entries(schema.fields)) {
    if (inputs[key] === undefined && field.default !== undefined) {
      inputs[key] = structuredClone(field.default);
      defaulted.push(key);
    }
  }
  const failures = (schema.required ?? [])
    .filter((k) => inputs[k] === undefined || inputs[k] === null)
    .map((k) => ({ property: k, reason: missingArgument(snake(k)) }));
  if (schema.recordsDefaults) inputs.__defaults = defaulted.sort();
  return { inputs, failures };
}

const asIs = (v: unknown) => v;
const byTerraform: Equal = (state, input, field) => {
  const norm = field.norm ?? asIs;
  return tfEqual(norm(state), norm(input));
};

/**
 * Diff as the bridge does it: checked inputs against the state, field by field. An unknown input
 * is a change; so is any difference the schema's comparison sees. `diffs` names the changed fields.
 */
export function bridgeDiff(schema: Schema, olds: Props, news: Props): DiffResult & { diffs: string[] } {
  const equal = schema.equal ?? byTerraform;
  const diffs: string[] = [];
  const replaces: string[] = [];
  for (const [key, field] of Object.entries(schema.fields)) {
    const raw = news[key];
    if (raw === undefined && field.computed) continue;
    const state = reveal(olds[key]);
    const input = reveal(raw);
    const changed = isUnknown(raw) || !(field.same ? field.same(state, input) : equal(state, input, field));
    if (!changed) continue;
    diffs.push(key);
    if (typeof field.replace === "function" ? field.replace(state, input) : field.replace) replaces.push(key);
  }
  // An explicit name cannot be held by the old and the new resource at once.
  const explicitName = news.name !== undefined && !(Array.isArray(news.__defaults) && news.__defaults.includes("name"));
  return { changes: diffs.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && explicitName, diffs };
}

/** Whether one field of the schema differs between state and inputs (for updates done field by field). */
export function fieldChanged(schema: Schema, key: string, olds: Props, news: Props): boolean {
  return bridgeDiff({ ...schema, fields: { [key]: schema.fields[key]! } }, olds, news).changes === true;
}

/** Deep equality as in Terraform state: absent, null, "", [] and {} are all "unset", scalars compare as text. */
export function tfEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => tfEqual(v, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => tfEqual((a as Props)[k], (b as Props)[k]));
  }
  return String(a) === String(b);
}

export function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && Object.keys(v).length === 0);
}

/** JSON with object keys sorted, for comparisons. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/** A set of strings (Terraform's TypeSet): order and duplicates do not matter. */
export const asSet = (v: unknown): string[] => (Array.isArray(v) ? [...new Set(v.map(String))].sort() : []);
/** A set of any values, objects included, put in one order (duplicates kept). */
export const unordered = (v: unknown): unknown => (Array.isArray(v) ? [...v].sort((p, q) => (canonical(p) < canonical(q) ? -1 : 1)) : v);
export const asBool = (v: unknown) => v === true;
export const asLower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v ?? null);

/** The value without `undefined` members, at any depth: the engine's property structs cannot carry them. */
export function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v && typeof v === "object" && !Buffer.isBuffer(v)) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, clean(x)])) as T;
  }
  return v;
}
