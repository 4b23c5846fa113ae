// Property handling shared by the resources: the engine's wire markers (secrets, unknowns during
// preview), the bridge's autonaming, and a schema-driven Diff (ForceNew → replace, Computed
// properties left unset keep their state).
import { createHash } from "node:crypto";
import type { ResourceType, TagSpecification } from "@aws-sdk/client-ec2";
import type { DiffResult } from "@pulumi/pulumi/provider/index.js";
import { checkSeed } from "../serve.ts";

export type Props = Record<string, any>;

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The value with every secret unwrapped (the plugin accepts secrets, so the engine sends them wrapped). */
export function plain<T = any>(v: unknown): T {
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v && typeof v === "object") {
    const o = v as Props;
    if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return plain(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)])) as T;
  }
  return v as T;
}

/** True when the value is, or contains, a value the engine does not know yet (preview). */
export function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

/** The resource's name from its URN (`urn:pulumi:stack::project::type::name`). */
export function urnName(urn: string): string {
  return urn.split("::").pop() ?? "";
}

/**
 * The bridge's autoname: `<URN name>-<7 hex>`, derived from the engine's seed for this Check so
 * that preview and update agree; a name the resource already had is kept.
 */
export function autoname(urn: string, olds: Props): string {
  if (typeof olds.name === "string" && olds.name !== "") return olds.name;
  const seed = checkSeed();
  const entropy = seed.length ? seed : Buffer.from(`${urn}:${process.hrtime.bigint()}`);
  return `${urnName(urn)}-${createHash("sha256").update(entropy).digest("hex").slice(0, 7)}`;
}

/** Terraform's `id.UniqueId()`: `terraform-` + a timestamp + a counter, unique within the process. */
let counter = 0;
export function uniqueId(prefix = "terraform-"): string {
  const now = new Date();
  const stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  const fraction = String(now.getMilliseconds()).padStart(3, "0") + "0";
  return `${prefix}${stamp}${fraction}${String(++counter).padStart(8, "0")}`;
}

export interface Field {
  /** A change replaces the resource (Terraform's ForceNew); a function decides per change. */
  replace?: boolean | ((state: any, input: any) => boolean);
  /** Left unset, the property keeps whatever the cloud chose (Terraform's Computed). */
  computed?: boolean;
  /** Compares values in this form (e.g. sets sorted, strings trimmed). */
  normalize?: (v: any) => unknown;
  /** Whether the state already satisfies the input, when plain equality is too strict. */
  same?: (state: any, input: any) => boolean;
}

/** Compares old state and new inputs property by property, as the bridge's Diff does for these fields. */
export function diffBySchema(olds: Props, news: Props, fields: Record<string, Field>): DiffResult {
  const changed: string[] = [];
  const replaces: string[] = [];
  for (const [key, field] of Object.entries(fields)) {
    const n = news[key];
    const o = plain(olds[key]);
    const norm = field.normalize ?? ((v: unknown) => v);
    let differs: boolean;
    if (n === undefined || n === null) differs = !field.computed && !isEmpty(o);
    else if (hasUnknown(n)) differs = true;
    else differs = field.same ? !field.same(o, plain(n)) : canonical(norm(plain(n))) !== canonical(norm(o));
    if (!differs) continue;
    changed.push(key);
    const replace = typeof field.replace === "function" ? hasUnknown(n) || field.replace(o, plain(n)) : field.replace;
    if (replace) replaces.push(key);
  }
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
}

/** True when every property the input sets has the same value in the state. */
export function subsetSame(state: Props | undefined, input: Props | undefined): boolean {
  return Object.entries(input ?? {}).every(([k, v]) => v === undefined || canonical(v) === canonical((state ?? {})[k]));
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

export const sortedSet = (v: unknown) => (Array.isArray(v) ? [...v].map(String).sort() : []);

/** AWS tags (`[{Key, Value}]`) as the provider's map. */
export function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key && !t.Key.startsWith("aws:")).map((t) => [t.Key!, t.Value ?? ""]));
}

/** The provider's tag map as EC2 TagSpecifications for one resource type. */
export function tagSpecs(resourceType: string, tags: Record<string, string> | undefined): TagSpecification[] | undefined {
  const list = Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  return list.length ? [{ ResourceType: resourceType as ResourceType, Tags: list }] : undefined;
}

/** The value without `undefined` members, which the engine's property structs cannot carry. */
export function compact<T>(v: T): T {
  if (Array.isArray(v)) return v.map(compact) as T;
  if (v && typeof v === "object" && !Buffer.isBuffer(v)) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, compact(x)])) as T;
  }
  return v;
}
