// What a preview plans, as Hoist keeps it: each resource that would change, its step (create,
// update, replace, delete) and the properties it changes, old → new. Secrets never leave as
// values: Pulumi shows them as "[secret]", and properties that carry them (a connection, stdin,
// keys, tokens) are masked whatever they hold.
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { urnName } from "./events.ts";

export const MASK = "[secret]";

export interface PlannedProperty {
  property: string;
  old?: unknown;
  new?: unknown;
  /** This change replaces the resource (its provider cannot update it in place). */
  replaces: boolean;
}

export interface PlannedStep {
  urn: string;
  name: string;
  type: string;
  op: string;
  properties: PlannedProperty[];
}

export interface Plan {
  steps: PlannedStep[];
}

const secretish = /^(connection|stdin|privatekey|password|token|secret|secretkey|accesskey|environment)$/i;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The value at a detailed-diff path (`a.b[0].c`) of an object. */
function at(obj: unknown, path: string): unknown {
  let v = obj;
  for (const part of path.replace(/\[(\d+)\]/g, ".$1").split(".").filter(Boolean)) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** The top-level inputs that differ between two input maps (Pulumi's own bookkeeping left out). */
function changedInputs(olds: Record<string, unknown> | undefined, news: Record<string, unknown> | undefined): string[] {
  if (!olds || !news) return [];
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => !k.startsWith("__")));
  return [...keys].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])).sort();
}

/** A value as the plan may keep it: secrets masked, long strings cut. */
export function safe(property: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (secretish.test(property.split(/[.[]/)[0] ?? "")) return MASK;
  const text = JSON.stringify(value);
  if (text.includes(SECRET_SIG) || text.includes(MASK)) return MASK;
  if (typeof value === "string" && value.length > 400) return `${value.slice(0, 400)}…`;
  return value;
}

/** Gathers a preview's plan from its engine events. */
export function planCollector(): { onEvent(e: EngineEvent): void; plan(): Plan } {
  const steps = new Map<string, PlannedStep>();
  return {
    onEvent(e) {
      const m = e.resourcePreEvent?.metadata;
      if (!m || m.type === "pulumi:pulumi:Stack" || m.op === "same" || m.op === "read" || m.op === "refresh") return;
      const detailed = (m.detailedDiff ?? {}) as Record<string, { kind?: string; inputDiff?: boolean }>;
      const given = Object.keys(detailed).length ? Object.keys(detailed) : (m.diffs ?? []);
      // A provider that names no changed property (not every one does): compare the inputs themselves.
      const keys = given.length ? given : changedInputs(m.old?.inputs, m.new?.inputs);
      const properties = keys.map((property) => ({
        property,
        old: safe(property, at(m.old?.inputs, property)),
        new: safe(property, at(m.new?.inputs, property)),
        replaces: /replace/i.test(detailed[property]?.kind ?? "") || (m.keys ?? []).includes(property),
      }));
      steps.set(m.urn, { urn: m.urn, name: urnName(m.urn), type: m.type, op: m.op, properties });
    },
    plan: () => ({ steps: [...steps.values()] }),
  };
}

/** What must not differ between a preview and the run that applies it: the steps and the properties they touch. */
export function planSignature(plan: Plan): string {
  return JSON.stringify(plan.steps.map((s) => [s.urn, s.op, s.properties.map((p) => p.property).sort()]).sort());
}

/** The steps that destroy something that holds data (a server, a volume): shown in red, confirmed by name. */
export function destructiveSteps(plan: Plan, holdsData: (step: PlannedStep) => boolean): PlannedStep[] {
  return plan.steps.filter((s) => /replace|delete/.test(s.op) && holdsData(s));
}
