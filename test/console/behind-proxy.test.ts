// Hoist behind a reverse proxy that terminates TLS: the browser is at https://hoist.example.test,
// Hoist sees plain http. With HOIST_PUBLIC_URL the CSRF origin check compares with the public
// address, so forms work (and cross-site posts are still refused); with HOIST_TRUST_PROXY the
// per-address sign-in limit counts each client, not the proxy.
import http from "node:http";
import { afterEach, expect, it } from "vitest";
import { listen } from "../support/browser.ts";
import { ADMIN, setupCode, startConsole, type TestConsole } from "../support/console.ts";
import { startProxy, type Proxy } from "../support/proxy.ts";

const PUBLIC = "https://hoist.example.test";
let t: TestConsole | undefined;
let site: Awaited<ReturnType<typeof listen>> | undefined;
let proxy: Proxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await site?.close();
  t?.close();
  [proxy, site, t] = [undefined, undefined, undefined];
});

async function behindProxy(env: Record<string, string>) {
  t = startConsole(env);
  site = await listen(t.app);
  proxy = await startProxy(site.url);
  return t;
}

/** A browser at the public address, reaching Hoist through the proxy from its own loopback address. */
class Browser {
  readonly cookies = new Map<string, string>();
  csrf = "";
  constructor(readonly localAddress = "127.0.0.1") {}

  request(method: string, path: string, body?: Record<string, string>, origin = PUBLIC): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
    const form = body && new URLSearchParams({ ...body, _csrf: this.csrf }).toString();
    const target = new URL(proxy!.url);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          localAddress: this.localAddress,
          method,
          path,
          headers: {
            host: new URL(PUBLIC).host,
            cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
            ...(form && { "content-type": "application/x-www-form-urlencoded", origin }),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => {
            for (const line of res.headers["set-cookie"] ?? []) {
              const [pair] = line.split(";");
              const [k, ...v] = pair!.split("=");
              if (/max-age=0/i.test(line)) this.cookies.delete(k!);
              else this.cookies.set(k!, v.join("="));
            }
            this.csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
            resolve({ status: res.statusCode!, text, headers: res.headers });
          });
        },
      );
      req.on("error", reject);
      req.end(form);
    });
  }
}

it("refuses every form behind a TLS proxy without HOIST_PUBLIC_URL, saying what to set", async () => {
  const c = await behindProxy({});
  const browser = new Browser();
  await browser.request("GET", "/setup");
  const res = await browser.request("POST", "/setup", { ...ADMIN, setupCode: setupCode(c.dataDir) });
  expect(res.status).toBe(403);
  expect(res.text).toBe("Cross-site request refused: it comes from https://hoist.example.test, not http://hoist.example.test (behind a proxy, set HOIST_PUBLIC_URL to the address users reach Hoist at).");
});

it("takes the browser's forms with HOIST_PUBLIC_URL, and still refuses another site's", async () => {
  const c = await behindProxy({ HOIST_PUBLIC_URL: PUBLIC });
  const browser = new Browser();
  await browser.request("GET", "/setup");
  const made = await browser.request("POST", "/setup", { ...ADMIN, setupCode: setupCode(c.dataDir) });
  expect(made.status).toBe(303);
  expect(made.headers.location).toBe("/nodes/credentials");
  expect([...browser.cookies.keys()]).toEqual(expect.arrayContaining(["__Host-hoist_session"]));
  await browser.request("GET", "/settings/tokens");
  expect((await browser.request("POST", "/settings/tokens", { name: "through-proxy" })).status).toBe(201);
  const forged = await browser.request("POST", "/settings/tokens", { name: "forged" }, "https://evil.example");
  expect(forged.status).toBe(403);
  expect(forged.text).toBe("Cross-site request refused: it comes from https://evil.example, not https://hoist.example.test.");
  // Plain http at the proxy's own address is not Hoist's origin any more.
  expect((await browser.request("POST", "/settings/tokens", { name: "plain" }, "http://hoist.example.test")).status).toBe(403);
});

it("counts sign-in attempts per client behind a trusted proxy, not for the proxy as a whole", async () => {
  const c = await behindProxy({ HOIST_PUBLIC_URL: PUBLIC, HOIST_TRUST_PROXY: "127.0.0.1" });
  const admin = new Browser();
  await admin.request("GET", "/setup");
  await admin.request("POST", "/setup", { ...ADMIN, setupCode: setupCode(c.dataDir) });
  const attacker = new Browser("127.0.0.2");
  await attacker.request("GET", "/login");
  const statuses: number[] = [];
  for (let i = 0; i < 31; i++) statuses.push((await attacker.request("POST", "/login", { email: `guess${i}@example.com`, password: "wrong password" })).status);
  expect(statuses.slice(0, 30).every((s) => s === 422)).toBe(true);
  expect(statuses[30]).toBe(429);
  const someoneElse = new Browser("127.0.0.3");
  await someoneElse.request("GET", "/login");
  expect((await someoneElse.request("POST", "/login", { email: ADMIN.email, password: ADMIN.password })).status).toBe(303);
});
