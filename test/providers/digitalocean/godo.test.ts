// The stand-in's API client against the emulator: godo's error wording, and retries only when
// httpRetryMax asks for them (go-retryablehttp's policy: 429, 5xx and connection errors).
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDigitalOceanEmulator, type DigitalOceanEmulator } from "../../emulators/digitalocean/emulator.ts";
import { HostPool } from "../../emulators/hosts.ts";
import { GodoClient, GodoError, TransportError, type ClientSettings } from "./godo.ts";

let hosts: HostPool;
let emu: DigitalOceanEmulator;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startDigitalOceanEmulator({ hosts });
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

const client = (settings: Partial<ClientSettings> = {}) =>
  new GodoClient({ token: emu.token, apiEndpoint: emu.url, retryMax: 0, retryWaitMinSeconds: 0.01, retryWaitMaxSeconds: 0.05, userAgent: "test", ...settings });

/** A loopback port nothing listens on (one just released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

describe("GodoClient", () => {
  it("resolves v2 paths against the host root and decodes the answer", async () => {
    const { account } = await client().get<{ account: { status: string } }>("v2/account");
    expect(account.status).toBe("active");
  });

  it("words API errors as godo does: METHOD url: status (request \"id\") message", async () => {
    const err = await failure(client().get("v2/droplets/1"));
    expect(err).toBeInstanceOf(GodoError);
    expect(err.message).toMatch(new RegExp(`^GET ${emu.url}/v2/droplets/1: 404 \\(request "[0-9a-f-]{36}"\\) The resource you were accessing could not be found\\.$`));
    expect((err as GodoError).status).toBe(404);
  });

  it("does not retry with httpRetryMax 0", async () => {
    emu.faults.set({ kind: "rate-limit", retryAfterSeconds: 0 }, { times: 1 });
    const err = await failure(client().get("v2/account"));
    expect(err.message).toMatch(/^GET .*\/v2\/account: 429 \(request "[^"]+"\) API Rate limit exceeded\.$/);
    expect(emu.faults.list()).toEqual([]);
  });

  it("retries 429 and 5xx up to httpRetryMax, then reports the attempts", async () => {
    emu.faults.set({ kind: "rate-limit", retryAfterSeconds: 0 }, { times: 2 });
    await expect(client({ retryMax: 2 }).get("v2/account")).resolves.toBeDefined();

    emu.faults.set({ kind: "catalog-down", mode: "5xx" }, { times: 1 });
    await expect(client({ retryMax: 1 }).get("v2/sizes")).resolves.toBeDefined();

    emu.faults.set({ kind: "rate-limit", retryAfterSeconds: 0 }, { times: 3 });
    const err = await failure(client({ retryMax: 1 }).post("v2/droplets", {}));
    expect(err.message).toMatch(/: 429 \(request "[^"]+"\) API Rate limit exceeded\.; giving up after 2 attempt\(s\)$/);
    emu.faults.clear();
  });

  it("never retries a 4xx other than 429", async () => {
    const before = emu.requests().length;
    await failure(client({ retryMax: 3 }).get("v2/droplets/1"));
    expect(emu.requests().length - before).toBe(1);
  });

  it("words a refused connection as Go's net/http does", async () => {
    const port = await closedPort();
    const err = await failure(client({ apiEndpoint: `http://127.0.0.1:${port}` }).post("v2/droplets", {}));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toBe(`Post "http://127.0.0.1:${port}/v2/droplets": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });
});
