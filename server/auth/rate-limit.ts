// In-memory limits on attempts (per process: enough for one console; a shared store comes with
// the PostgreSQL scale-out). Every limiter keeps at most `maxKeys` keys and forgets the least
// recently used one first, so a flood of new keys costs constant time and memory per attempt.
// Attempts are counted when they are let through, before the work they guard is done: parallel
// attempts cannot all pass a check that is read before any of them is counted.

/** A Map that holds at most `max` entries, dropping the least recently used. */
export class BoundedMap<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly max: number) {}

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      // Map iteration follows insertion order: re-inserting marks it most recently used.
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value!);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }
}

interface Options {
  maxKeys?: number;
  now?: () => number;
}

/** At most `limit` attempts per key in any sliding window of `windowMs`. */
export class RateLimiter {
  readonly #hits: BoundedMap<number[]>;
  readonly #now: () => number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    opts: Options = {},
  ) {
    this.#hits = new BoundedMap(opts.maxKeys ?? 10_000);
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#hits.size;
  }

  /** Seconds until `key` may try again, or 0 when it may now. Counts nothing. */
  retryAfter(key: string): number {
    const hits = this.#live(key);
    if (hits.length < this.limit) return 0;
    return Math.max(1, Math.ceil((hits[0]! + this.windowMs - this.#now()) / 1000));
  }

  /** Counts an attempt and lets it through (0), or says how long to wait (and counts nothing). */
  take(key: string): number {
    const wait = this.retryAfter(key);
    if (wait > 0) return wait;
    // Only the newest `limit` hits decide anything, so no key holds more.
    const hits = [...this.#live(key), this.#now()].slice(-this.limit);
    this.#hits.set(key, hits);
    return 0;
  }

  /** Gives back the newest attempt (it turned out not to count, e.g. a successful sign-in). */
  refund(key: string): void {
    const hits = this.#live(key);
    hits.pop();
    if (hits.length) this.#hits.set(key, hits);
    else this.#hits.delete(key);
  }

  reset(key: string): void {
    this.#hits.delete(key);
  }

  #live(key: string): number[] {
    const since = this.#now() - this.windowMs;
    return (this.#hits.get(key) ?? []).filter((t) => t > since);
  }
}

/**
 * Failed attempts per key with exponential backoff: `free` attempts, then each one must wait
 * `baseMs`, doubling, but never more than `maxMs` after the previous one. It delays rather than
 * locks: whoever hammers an account slows the guessing to one try per `maxMs`, and its owner
 * never waits longer than that. Failures are forgotten `forgetMs` after the last one.
 */
export class Backoff {
  readonly #state: BoundedMap<{ failures: number; last: number }>;
  readonly #now: () => number;

  constructor(
    readonly free: number,
    readonly baseMs: number,
    readonly maxMs: number,
    readonly forgetMs: number,
    opts: Options = {},
  ) {
    this.#state = new BoundedMap(opts.maxKeys ?? 10_000);
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#state.size;
  }

  /** The delay `failures` failed attempts impose on the next one. */
  delayAfter(failures: number): number {
    return failures < this.free ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (failures - this.free));
  }

  /**
   * Counts an attempt as failed until `succeeded` says otherwise, and lets it through (0); or
   * says how many seconds to wait (counting nothing).
   */
  take(key: string): number {
    const now = this.#now();
    let s = this.#state.get(key);
    if (s && now - s.last > this.forgetMs) s = undefined;
    if (s) {
      const until = s.last + this.delayAfter(s.failures);
      if (now < until) return Math.max(1, Math.ceil((until - now) / 1000));
    }
    this.#state.set(key, { failures: (s?.failures ?? 0) + 1, last: now });
    return 0;
  }

  succeeded(key: string): void {
    this.#state.delete(key);
  }
}
