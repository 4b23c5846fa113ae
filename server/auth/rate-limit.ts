// In-memory sliding-window limiter (per process: enough for one console; a shared store comes with
// the PostgreSQL scale-out).

export class RateLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may now. Does not count an attempt. */
  retryAfter(key: string): number {
    const hits = this.#live(key);
    if (hits.length < this.limit) return 0;
    return Math.max(1, Math.ceil((hits[0]! + this.windowMs - this.now()) / 1000));
  }

  /** Counts an attempt for `key` when it may go ahead (0), or says how long to wait (not counted). */
  take(key: string): number {
    const wait = this.retryAfter(key);
    if (wait === 0) this.hit(key);
    return wait;
  }

  hit(key: string): void {
    const hits = this.#live(key);
    hits.push(this.now());
    this.#hits.set(key, hits);
    if (this.#hits.size > 10_000) this.#sweep();
  }

  reset(key: string): void {
    this.#hits.delete(key);
  }

  #live(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.#hits.get(key) ?? []).filter((t) => t > since);
  }

  #sweep(): void {
    for (const key of this.#hits.keys()) if (this.#live(key).length === 0) this.#hits.delete(key);
  }
}
