// The faults every cloud emulator can inject, in one vocabulary. Each emulator translates a fault
// into its own provider's real error (status code, body, headers); this file only keeps the set.

export type Fault =
  /** Every authenticated call answers the provider's 401 (a revoked or wrong token). */
  | { kind: "reject-token" }
  /** Every call answers 429 with the provider's retry header. */
  | { kind: "rate-limit"; retryAfterSeconds?: number }
  /** Creating a server answers the provider's quota / resource-limit error. */
  | { kind: "quota" }
  /** Creating a server is accepted, then its action fails with this message (and code). */
  | { kind: "action-fails"; message?: string; code?: string }
  /** Actions (create, power, resize, delete) take this long to finish. */
  | { kind: "slow-actions"; ms: number }
  /** Catalog endpoints (locations/regions, server types/sizes, images) fail: a 5xx, or no answer at all. */
  | { kind: "catalog-down"; mode: "5xx" | "timeout" };

export type FaultKind = Fault["kind"];

export interface FaultOptions {
  /** How many times the fault fires before it clears itself; unlimited when absent. */
  times?: number;
}

/** The faults currently armed on one emulator. */
export class FaultSet {
  readonly #armed = new Map<FaultKind, { fault: Fault; left: number }>();

  set(fault: Fault, opts: FaultOptions = {}): void {
    this.#armed.set(fault.kind, { fault, left: opts.times ?? Infinity });
  }

  clear(kind?: FaultKind): void {
    if (kind) this.#armed.delete(kind);
    else this.#armed.clear();
  }

  /** The armed fault of that kind, without using it up. */
  peek<K extends FaultKind>(kind: K): Extract<Fault, { kind: K }> | undefined {
    return this.#armed.get(kind)?.fault as Extract<Fault, { kind: K }> | undefined;
  }

  /** The armed fault of that kind, counting one use of it. */
  take<K extends FaultKind>(kind: K): Extract<Fault, { kind: K }> | undefined {
    const entry = this.#armed.get(kind);
    if (!entry) return undefined;
    if (--entry.left <= 0) this.#armed.delete(kind);
    return entry.fault as Extract<Fault, { kind: K }>;
  }

  list(): Fault[] {
    return [...this.#armed.values()].map((e) => e.fault);
  }
}

/** Parses a fault from the emulators' HTTP control API (`POST /_emulator/faults`). */
export function parseFault(body: unknown): { fault: Fault; times?: number } {
  const b = (body ?? {}) as Record<string, unknown>;
  const times = typeof b.times === "number" && b.times > 0 ? b.times : undefined;
  switch (b.kind) {
    case "reject-token":
    case "quota":
      return { fault: { kind: b.kind }, times };
    case "rate-limit":
      return { fault: { kind: "rate-limit", retryAfterSeconds: num(b.retryAfterSeconds) }, times };
    case "action-fails":
      return { fault: { kind: "action-fails", message: str(b.message), code: str(b.code) }, times };
    case "slow-actions":
      return { fault: { kind: "slow-actions", ms: num(b.ms) ?? 5000 }, times };
    case "catalog-down":
      return { fault: { kind: "catalog-down", mode: b.mode === "timeout" ? "timeout" : "5xx" }, times };
    default:
      throw new Error(`unknown fault kind ${JSON.stringify(b.kind)}`);
  }
}

const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
