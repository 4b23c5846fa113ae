// The provider configuration rules of the official plugin: token presence and length, endpoint
// and polling settings.
import { describe, expect, it } from "vitest";
import { DEFAULT_ENDPOINT, parseDuration, readConfig } from "./config.ts";

const TOKEN = "a".repeat(64);

describe("readConfig", () => {
  it("requires a token, from config or HCLOUD_TOKEN", () => {
    expect(() => readConfig({}, {})).toThrow(/^Missing Hetzner Cloud API token/);
    expect(readConfig({}, { HCLOUD_TOKEN: TOKEN }).token).toBe(TOKEN);
    expect(readConfig({ token: TOKEN }, { HCLOUD_TOKEN: "b".repeat(64) }).token).toBe(TOKEN);
  });

  it("refuses a token that is not exactly 64 characters", () => {
    for (const token of ["short", "a".repeat(63), "a".repeat(65)]) {
      expect(() => readConfig({ token }, {})).toThrow("entered token is invalid (must be exactly 64 characters long)");
    }
  });

  it("takes the endpoint from config, then HCLOUD_ENDPOINT, then the default", () => {
    expect(readConfig({ token: TOKEN }, {}).endpoint).toBe(DEFAULT_ENDPOINT);
    expect(readConfig({ token: TOKEN }, { HCLOUD_ENDPOINT: "http://127.0.0.1:9/v1" }).endpoint).toBe("http://127.0.0.1:9/v1");
    expect(readConfig({ token: TOKEN, endpoint: "http://127.0.0.1:8/v1/" }, { HCLOUD_ENDPOINT: "x" }).endpoint).toBe("http://127.0.0.1:8/v1");
  });

  it("polls with a constant or exponential backoff from pollInterval", () => {
    const constant = readConfig({ token: TOKEN, pollInterval: "100ms", pollFunction: "constant" }, {}).pollBackoff;
    expect([constant(0), constant(5)]).toEqual([100, 100]);
    const exponential = readConfig({ token: TOKEN, pollInterval: "100ms" }, {}).pollBackoff;
    for (let n = 0; n < 4; n++) {
      expect(exponential(n)).toBeGreaterThanOrEqual(100);
      expect(exponential(n)).toBeLessThanOrEqual(100 * 2 ** n);
    }
    const byDefault = readConfig({ token: TOKEN }, {}).pollBackoff;
    expect(byDefault(10)).toBeLessThanOrEqual(10_000);
    expect(() => readConfig({ token: TOKEN, pollInterval: "soon" }, {})).toThrow(/Unparsable poll interval value/);
    expect(() => readConfig({ token: TOKEN, pollFunction: "linear" }, {})).toThrow(/poll_function/);
  });
});

describe("parseDuration", () => {
  it("reads Go durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(() => parseDuration("10")).toThrow('time: invalid duration "10"');
  });
});
