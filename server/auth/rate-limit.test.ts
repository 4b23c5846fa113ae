import { describe, expect, it } from "vitest";
import { Backoff, BoundedMap, RateLimiter } from "./rate-limit.ts";

describe("rate limiter", () => {
  it("lets `limit` attempts per window through per key, counting each as it passes, then says how long to wait", () => {
    let now = 1_000_000;
    const rl = new RateLimiter(3, 60_000, { now: () => now });
    for (let i = 0; i < 3; i++) expect(rl.take("a")).toBe(0);
    // Refused attempts are not counted: they wait no longer than the first refusal said.
    expect(rl.take("a")).toBe(60);
    expect(rl.take("a")).toBe(60);
    expect(rl.take("b")).toBe(0);
    now += 30_000;
    expect(rl.retryAfter("a")).toBe(30);
    now += 30_001;
    expect(rl.take("a")).toBe(0);
    rl.reset("a");
    expect(rl.retryAfter("a")).toBe(0);
  });

  it("gives back a refunded attempt", () => {
    const rl = new RateLimiter(2, 60_000);
    rl.take("a");
    rl.take("a");
    expect(rl.retryAfter("a")).toBeGreaterThan(0);
    rl.refund("a");
    expect(rl.take("a")).toBe(0);
  });

  it("holds at most maxKeys keys however many arrive within the window, forgetting the least recently used", () => {
    const rl = new RateLimiter(5, 15 * 60_000, { maxKeys: 1000 });
    rl.take("kept");
    for (let i = 0; i < 50_000; i++) {
      rl.take(`flood-${i}`);
      if (i % 500 === 0) rl.retryAfter("kept"); // looked at, so never the least recently used
    }
    expect(rl.size).toBeLessThanOrEqual(1000);
    // Its one attempt is remembered through the flood.
    for (let i = 0; i < 4; i++) expect(rl.take("kept")).toBe(0);
    expect(rl.take("kept")).toBeGreaterThan(0);
  });
});

describe("bounded map", () => {
  it("drops the least recently used entry past its size", () => {
    const m = new BoundedMap<number>(2);
    m.set("a", 1);
    m.set("b", 2);
    m.get("a");
    m.set("c", 3);
    expect([m.get("a"), m.get("b"), m.get("c")]).toEqual([1, undefined, 3]);
  });
});

describe("per-account backoff", () => {
  const make = (clock: { now: number }) => new Backoff(5, 1000, 60_000, 15 * 60_000, { now: () => clock.now });

  it("lets `free` attempts through at once, then makes each wait twice as long as the one before, up to a minute", () => {
    const clock = { now: 0 };
    const b = make(clock);
    for (let i = 0; i < 5; i++) expect(b.take("ada")).toBe(0);
    // Parallel attempts: the sixth is counted against the first five before any is checked.
    expect(b.take("ada")).toBe(1);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const wait = b.take("ada");
      waits.push(wait);
      clock.now += wait * 1000;
      expect(b.take("ada")).toBe(0);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
  });

  it("delays the owner a minute at most however long the account is hammered: a delay, not a lock", () => {
    const clock = { now: 0 };
    const b = make(clock);
    // An attacker tries whenever allowed, for an hour.
    for (let t = 0; t < 3600_000; t += 1000) {
      clock.now = t;
      b.take("ada");
    }
    const wait = b.take("ada");
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    clock.now += wait * 1000;
    expect(b.take("ada")).toBe(0);
    b.succeeded("ada");
    expect(b.take("ada")).toBe(0);
  });

  it("forgets failures a quarter hour after the last one", () => {
    const clock = { now: 0 };
    const b = make(clock);
    for (let i = 0; i < 8; i++) b.take("ada");
    clock.now += 15 * 60_000 + 1;
    for (let i = 0; i < 5; i++) expect(b.take("ada")).toBe(0);
  });
});
