import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("configuration", () => {
  it("has documented defaults", () => {
    const c = loadConfig({}, "/srv/hoist");
    expect(c).toMatchObject({
      dataDir: "/srv/hoist/data",
      port: 3000,
      bind: "127.0.0.1",
      masterKeyFile: "/srv/hoist/data/master.key",
      logLevel: "info",
      secureCookies: false,
      pulumiBackend: "file:///srv/hoist/data/pulumi",
      concurrency: 4,
      serverQuota: 10,
      serverChangeLimit: 30,
      endpoints: {},
    });
  });

  it("reads every variable", () => {
    const c = loadConfig(
      {
        HOIST_DATA_DIR: "/var/lib/hoist",
        HOIST_PORT: "8080",
        HOIST_BIND: "0.0.0.0",
        HOIST_LOG_LEVEL: "debug",
        HOIST_PUBLIC_URL: "https://hoist.example.com",
        HOIST_PULUMI_BACKEND: "s3://bucket/state",
        HOIST_CONCURRENCY: "8",
        HOIST_SERVER_CHANGE_LIMIT: "100",
        HOIST_ENDPOINT_HETZNER: "http://127.0.0.1:4010/v1/",
      },
      "/",
    );
    expect(c).toMatchObject({ dataDir: "/var/lib/hoist", port: 8080, bind: "0.0.0.0", logLevel: "debug", secureCookies: true, concurrency: 8, serverChangeLimit: 100 });
    expect(c.pulumiBackend).toBe("s3://bucket/state");
    expect(c.endpoints).toEqual({ hetzner: "http://127.0.0.1:4010/v1" });
    expect(c.masterKeyFile).toBe(path.join("/var/lib/hoist", "master.key"));
  });

  it("stops on bad values, naming each variable", () => {
    const bad = () => loadConfig({ HOIST_PORT: "eighty", HOIST_BIND: "my laptop", HOIST_LOG_LEVEL: "loud", HOIST_CONCURRENCY: "0" });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      for (const name of ["HOIST_PORT", "HOIST_BIND", "HOIST_LOG_LEVEL", "HOIST_CONCURRENCY"]) expect((err as Error).message).toContain(name);
    }
    expect(() => loadConfig({ HOIST_ENDPOINT_AWS: "ftp://x" })).toThrow(/HOIST_ENDPOINT_AWS: must be an http\(s\) URL/);
    expect(() => loadConfig({ HOIST_PULUMI_BACKEND: "/just/a/path" })).toThrow(/HOIST_PULUMI_BACKEND/);
  });
});
