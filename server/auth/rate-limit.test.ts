import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.ts";

describe("rate limiter", () => {
  it("allows `limit` hits per window per key, then says how long to wait", () => {
    let now = 1_000_000;
    const rl = new RateLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(rl.retryAfter("a")).toBe(0);
      rl.hit("a");
    }
    expect(rl.retryAfter("a")).toBe(60);
    expect(rl.retryAfter("b")).toBe(0);
    now += 30_000;
    expect(rl.retryAfter("a")).toBe(30);
    now += 30_001;
    expect(rl.retryAfter("a")).toBe(0);
    rl.hit("a");
    rl.reset("a");
    expect(rl.retryAfter("a")).toBe(0);
  });
});
