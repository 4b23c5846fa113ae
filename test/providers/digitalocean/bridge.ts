// How the digitalocean stand-in's bridge differs from the shared one (../bridge.ts): its Diff
// compares normalised values as JSON, its Check names a missing argument as the program spells
// it, and Terraform's error formatting with the bridge's `<verb> <urn>: ` prefixes.
import { createHash } from "node:crypto";
import type { CheckFailure, DiffResult, Provider } from "@pulumi/pulumi/provider/index.js";
import { ResourceInitError } from "../serve.ts";
import { bridgeCheck, bridgeDiff, clean, missingArgument, type Equal, type Field, type Props } from "../bridge.ts";

/** The CRUD a stand-in implements for one resource type. */
export type ResourceHandler = Required<Pick<Provider, "check" | "diff" | "create" | "read" | "update" | "delete">>;

/** State and input compare as the JSON of their normalised forms (absent as null), key order included. */
const sameJson: Equal = (state, input, field) => {
  const norm = field.norm ?? ((v: unknown) => v ?? null);
  return JSON.stringify(norm(state)) === JSON.stringify(norm(input));
};

/**
 * Check with the shared autoname, defaults and `__defaults`; a required argument is missing only
 * when absent (not null), and is named as the program spells it.
 */
export function checkInputs(urn: string, olds: Props, news: Props, fields: Record<string, Field>, required: string[]): { inputs: Props; failures: CheckFailure[] } {
  const { inputs } = bridgeCheck({ fields, recordsDefaults: true }, urn, olds, news);
  const failures = required.filter((k) => news[k] === undefined).map((k) => ({ property: k, reason: missingArgument(k) }));
  return { inputs, failures };
}

/** Diffs checked inputs against the state's outputs. */
export function diffFields(fields: Record<string, Field>, olds: Props, news: Props): DiffResult {
  return bridgeDiff({ fields, equal: sameJson }, olds, news);
}

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

/** Terraform's state hash of user_data: hex(sha1(text)). */
export function sha1Hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
