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

  it("schedules drift sweeps hourly, two checks at once, unless told otherwise; 0 turns them off; nonsense is refused by name", () => {
    expect(loadConfig({}).drift).toEqual({ intervalSeconds: 3600, concurrency: 2 });
    expect(loadConfig({ HOIST_DRIFT_INTERVAL: "600", HOIST_DRIFT_CONCURRENCY: "5" }).drift).toEqual({ intervalSeconds: 600, concurrency: 5 });
    expect(loadConfig({ HOIST_DRIFT_INTERVAL: "0" }).drift.intervalSeconds).toBe(0);
    expect(() => loadConfig({ HOIST_DRIFT_INTERVAL: "2" })).toThrow(/HOIST_DRIFT_INTERVAL: must be 0 \(off\) or at least 5 seconds/);
    expect(() => loadConfig({ HOIST_DRIFT_INTERVAL: "hourly" })).toThrow(/HOIST_DRIFT_INTERVAL/);
    expect(() => loadConfig({ HOIST_DRIFT_CONCURRENCY: "0" })).toThrow(/HOIST_DRIFT_CONCURRENCY/);
  });

  it("has the gateway's documented defaults, and reads its variables", () => {
    expect(loadConfig({}, "/srv/hoist").gateway).toEqual({
      mode: "auto",
      domain: "gw.localhost",
      bind: "127.0.0.1",
      httpPort: 8080,
      httpsPort: 8443,
      ranges: { ssh: { first: 20000, last: 20999 }, tcp: { first: 30000, last: 39999 } },
      certificate: undefined,
      haproxy: undefined,
      dir: "/srv/hoist/data/gateway",
      syncIntervalSeconds: 5,
    });
    const g = loadConfig(
      {
        HOIST_GATEWAY: "on",
        HOIST_GATEWAY_DOMAIN: "GW.Example.COM",
        HOIST_GATEWAY_BIND: "0.0.0.0",
        HOIST_GATEWAY_HTTP_PORT: "80",
        HOIST_GATEWAY_HTTPS_PORT: "443",
        HOIST_GATEWAY_SSH_PORTS: "2200-2299",
        HOIST_GATEWAY_TCP_PORTS: "40000-40499",
        HOIST_GATEWAY_CERT: "tls/cert.pem",
        HOIST_GATEWAY_KEY: "tls/key.pem",
      },
      "/etc/hoist",
    ).gateway;
    expect(g).toMatchObject({ mode: "on", domain: "gw.example.com", bind: "0.0.0.0", httpPort: 80, httpsPort: 443, ranges: { ssh: { first: 2200, last: 2299 }, tcp: { first: 40000, last: 40499 } } });
    expect(g.certificate).toEqual({ cert: "/etc/hoist/tls/cert.pem", key: "/etc/hoist/tls/key.pem" });
    expect(loadConfig({ HOIST_GATEWAY: "off" }).gateway.mode).toBe("off");
  });

  it("stops on gateway settings that cannot work, naming them", () => {
    const problem = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(problem({ HOIST_GATEWAY: "maybe" })).toContain("HOIST_GATEWAY: must be auto, on or off");
    expect(problem({ HOIST_GATEWAY_DOMAIN: "not a domain" })).toContain("HOIST_GATEWAY_DOMAIN");
    expect(problem({ HOIST_GATEWAY_SSH_PORTS: "22" })).toContain("HOIST_GATEWAY_SSH_PORTS: must be a port range");
    expect(problem({ HOIST_GATEWAY_SSH_PORTS: "3000-2000" })).toContain("HOIST_GATEWAY_SSH_PORTS");
    expect(problem({ HOIST_GATEWAY_TCP_PORTS: "30005-30104" })).toContain("HOIST_GATEWAY_TCP_PORTS: must start at a multiple of 10");
    expect(problem({ HOIST_GATEWAY_TCP_PORTS: "30000-30004" })).toContain("HOIST_GATEWAY_TCP_PORTS");
    expect(problem({ HOIST_GATEWAY_SSH_PORTS: "30000-30100" })).toContain("HOIST_GATEWAY_TCP_PORTS: overlaps HOIST_GATEWAY_SSH_PORTS");
    expect(problem({ HOIST_GATEWAY_HTTP_PORT: "8443" })).toContain("HOIST_GATEWAY_HTTPS_PORT: overlaps HOIST_GATEWAY_HTTP_PORT");
    expect(problem({ HOIST_GATEWAY_CERT: "/tls/cert.pem" })).toContain("HOIST_GATEWAY_KEY: is required with the other");
  });
});
