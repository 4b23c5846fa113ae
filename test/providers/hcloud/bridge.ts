// What the Pulumi Terraform bridge adds around every resource of a bridged provider: autonaming
// from Check's random seed, defaults recorded in `__defaults`, replace-on-change diffs, and
// secrets and unknowns on the wire.
import { createHash } from "node:crypto";
import type { CheckResult, DiffResult } from "@pulumi/pulumi/provider/index.js";
import { checkSeed } from "../serve.ts";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, any>;

export interface PropSpec {
  /** A change replaces the resource (TF ForceNew). */
  replace?: boolean;
  /** Optional+Computed: absent from the program means "keep what the cloud has". */
  computed?: boolean;
  /** Filled in by Check when absent, and listed in `__defaults`. */
  default?: unknown;
  /** Order does not matter (TF sets). */
  set?: boolean;
  /** Custom equality of the state value and the program's value (e.g. userData's hash). */
  same?: (state: unknown, input: unknown) => boolean;
}

export interface ResourceSchema {
  /** Input properties; anything else in state is an output. */
  inputs: Record<string, PropSpec>;
  /** Properties Check requires, with the bridge's message. */
  required?: string[];
  /** Whether the bridge records `__defaults` (SDKv2 resources do). */
  recordsDefaults?: boolean;
}

export const urnName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/**
 * The bridge's autoname: `<urn name>-<7 hex>`, drawn from the engine's seed for this Check so that
 * preview and up agree.
 */
export function autoname(urn: string): string {
  const seed = checkSeed();
  const random = seed.length ? createHash("sha256").update(seed).update(urn).digest("hex") : createHash("sha256").update(urn + Math.random()).digest("hex");
  return `${urnName(urn)}-${random.slice(0, 7)}`;
}

export function bridgeCheck(schema: ResourceSchema, urn: string, olds: Props | undefined, news: Props): CheckResult {
  const inputs: Props = { ...news };
  const defaulted: string[] = [];
  if (inputs.name === undefined && "name" in schema.inputs) {
    // A name already in state is kept, so that a later up does not rename (or replace) the resource.
    inputs.name = olds?.name ?? autoname(urn);
    defaulted.push("name");
  }
  for (const [key, spec] of Object.entries(schema.inputs)) {
    if (inputs[key] === undefined && spec.default !== undefined) {
      inputs[key] = structuredClone(spec.default);
      defaulted.push(key);
    }
  }
  const failures = (schema.required ?? [])
    .filter((k) => inputs[k] === undefined || inputs[k] === null)
    .map((k) => ({ property: k, reason: `Missing required argument. The argument "${snake(k)}" is required, but no definition was found.` }));
  if (schema.recordsDefaults) inputs.__defaults = defaulted.sort();
  return { inputs, failures };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Compares the program's inputs with the resource's state, property by property. */
export function bridgeDiff(schema: ResourceSchema, state: Props, news: Props): DiffResult & { diffs: string[] } {
  const diffs: string[] = [];
  const replaces: string[] = [];
  for (const [key, spec] of Object.entries(schema.inputs)) {
    const input = news[key];
    if (input === undefined && spec.computed) continue;
    const changed = hasUnknown(input) || !(spec.same ? spec.same(state[key], input) : equal(state[key], input, spec.set));
    if (!changed) continue;
    diffs.push(key);
    if (spec.replace) replaces.push(key);
  }
  // Names are unique per project: a replacement keeping an explicit name must delete first.
  const explicitName = news.name !== undefined && !(news.__defaults ?? []).includes("name");
  return { changes: diffs.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && explicitName, diffs };
}

function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

/** Deep equality where absent, null, "", [] and {} are all "unset", as in Terraform state. */
export function equal(a: unknown, b: unknown, asSet = false): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const [x, y] = asSet ? [sortKeyed(a), sortKeyed(b)] : [a, b];
    return x.every((v, i) => equal(v, y[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => equal((a as Props)[k], (b as Props)[k]));
  }
  return String(a) === String(b);
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length) || (typeof v === "object" && v !== null && !Array.isArray(v) && !Object.keys(v).length);

const sortKeyed = (list: unknown[]) => [...list].sort((p, q) => (canonical(p) < canonical(q) ? -1 : 1));
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));

/** Strips secret wrappers; returns the plain value and the top-level keys that were secret. */
export function unwrapSecrets(props: Props): { plain: Props; secretKeys: string[] } {
  const secretKeys: string[] = [];
  const plain: Props = {};
  for (const [k, v] of Object.entries(props ?? {})) {
    if (isSecret(v)) secretKeys.push(k);
    plain[k] = reveal(v);
  }
  return { plain, secretKeys };
}

function isSecret(v: unknown): boolean {
  if (v && typeof v === "object" && (v as Props)[SIG] === SECRET_SIG) return true;
  if (Array.isArray(v)) return v.some(isSecret);
  if (v && typeof v === "object") return Object.values(v).some(isSecret);
  return false;
}

function reveal(v: any): any {
  if (v && typeof v === "object" && v[SIG] === SECRET_SIG) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}

/** Marks these top-level keys of `props` secret again, as the bridge keeps secret inputs secret in state. */
export function wrapSecrets(props: Props, keys: string[]): Props {
  const out = { ...props };
  for (const k of keys) if (out[k] !== undefined) out[k] = { [SIG]: SECRET_SIG, value: out[k] };
  return out;
}

/** Drops undefined values, which the gRPC Struct cannot carry. */
export function clean(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined));
}
