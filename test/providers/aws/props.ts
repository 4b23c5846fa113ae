// How the aws stand-in's properties differ from the shared bridge (../bridge.ts): its Diff compares
// an unset input with an empty state and other values as canonical JSON, and never asks to delete
// before replacing; plus Terraform's unique ids and EC2's tag shapes.
import type { ResourceType, TagSpecification } from "@aws-sdk/client-ec2";
import type { DiffResult } from "@pulumi/pulumi/provider/index.js";
import { bridgeDiff, canonical, isEmpty, type Equal, type Field, type Props } from "../bridge.ts";

/** Terraform's `id.UniqueId()`: `terraform-` + a timestamp + a counter, unique within the process. */
let counter = 0;
export function uniqueId(prefix = "terraform-"): string {
  const now = new Date();
  const stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  const fraction = String(now.getMilliseconds()).padStart(3, "0") + "0";
  return `${prefix}${stamp}${fraction}${String(++counter).padStart(8, "0")}`;
}

/** An unset input matches an empty state (any state, if Computed); other values compare in their normalised form. */
const sameValue: Equal = (state, input, field) => {
  if (input === undefined || input === null) return Boolean(field.computed) || isEmpty(state);
  const norm = field.norm ?? ((v: unknown) => v);
  return canonical(norm(input)) === canonical(norm(state));
};

/** Compares old state and new inputs property by property, as the bridge's Diff does for these fields. */
export function diffBySchema(olds: Props, news: Props, fields: Record<string, Field>): DiffResult {
  return { ...bridgeDiff({ fields, equal: sameValue }, olds, news), deleteBeforeReplace: false };
}

/** True when every property the input sets has the same value in the state. */
export function subsetSame(state: Props | undefined, input: Props | undefined): boolean {
  return Object.entries(input ?? {}).every(([k, v]) => v === undefined || canonical(v) === canonical((state ?? {})[k]));
}

/** A string list in order, unlike `asSet` keeping duplicates (so `[a, a]` differs from `[a]`). */
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
