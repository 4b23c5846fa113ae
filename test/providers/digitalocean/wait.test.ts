// The port of terraform-plugin-sdk's StateChangeConf: outcomes and error wording, with delays
// shrunk to milliseconds (the provider itself waits 10 s before the first poll).
import { describe, expect, it } from "vitest";
import { goDuration, waitForState, type StateChangeConf } from "./wait.ts";

/** A refresh answering `states` in turn (undefined = not found), the last one forever. */
function sequence(states: (string | undefined)[]): { refresh: StateChangeConf<string>["refresh"]; calls: () => number } {
  let i = 0;
  return {
    refresh: async () => {
      const s = states[Math.min(i++, states.length - 1)];
      return s === undefined ? [undefined, ""] : [s, s];
    },
    calls: () => i,
  };
}

const conf = (refresh: StateChangeConf<string>["refresh"], more: Partial<StateChangeConf<string>> = {}): StateChangeConf<string> => ({
  delayMs: 5,
  minTimeoutMs: 5,
  timeoutMs: 5_000,
  pending: ["new"],
  target: ["active"],
  refresh,
  ...more,
});

describe("waitForState", () => {
  it("polls through pending states until the target", async () => {
    const s = sequence(["new", "new", "active"]);
    await expect(waitForState(conf(s.refresh))).resolves.toBe("active");
    expect(s.calls()).toBe(3);
  });

  it("fails at once on a state that is neither pending nor target, with the SDK's wording", async () => {
    const s = sequence(["new", "off", "active"]);
    await expect(waitForState(conf(s.refresh))).rejects.toThrow("unexpected state 'off', wanted target 'active'. last error: %!s(<nil>)");
    expect(s.calls()).toBe(2);
  });

  it("tolerates not-found answers up to notFoundChecks", async () => {
    await expect(waitForState(conf(sequence([undefined, undefined, "active"]).refresh, { notFoundChecks: 2 }))).resolves.toBe("active");
    await expect(waitForState(conf(sequence([undefined]).refresh, { notFoundChecks: 2 }))).rejects.toThrow("couldn't find resource (3 retries)");
  });

  it("gives up at the timeout with the last state", async () => {
    await expect(waitForState(conf(sequence(["new"]).refresh, { timeoutMs: 60 }))).rejects.toThrow(
      "timeout while waiting for state to become 'active' (last state: 'new', timeout: 0s)",
    );
  });

  it("passes a refresh error through", async () => {
    const refresh = async (): Promise<[string | undefined, string]> => {
      throw new Error("Error retrieving droplet: boom");
    };
    await expect(waitForState(conf(refresh))).rejects.toThrow("Error retrieving droplet: boom");
  });

  it("backs off from MinTimeout to 10 s like the SDK", async () => {
    const times: number[] = [];
    const t0 = Date.now();
    const refresh = async (): Promise<[string | undefined, string]> => {
      times.push(Date.now() - t0);
      return times.length < 3 ? ["new", "new"] : ["active", "active"];
    };
    await waitForState(conf(refresh, { delayMs: 0, minTimeoutMs: 100 }));
    // With the provider's 3 s MinTimeout the same rule gives 3 s, 6 s, then 10 s.
    // 100 ms doubled after the first poll (200 ms, above MinTimeout), then doubled again.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(195);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(395);
  });

  it("formats durations as Go does", () => {
    expect(goDuration(3_600_000)).toBe("1h0m0s");
    expect(goDuration(60_000)).toBe("1m0s");
    expect(goDuration(45_000)).toBe("45s");
  });
});
