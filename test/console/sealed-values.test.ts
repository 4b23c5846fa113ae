// Sealed values are bound to their row: a credential's sealed token copied into another row does
// not open there, and values sealed before this binding are re-sealed when Hoist starts.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadMasterKeys } from "../../state/master-key.ts";
import { credentials } from "../../state/schema.ts";
import { sealedBy } from "../../state/secrets.ts";
import { makeToken, startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";
import { sealLegacy } from "../support/legacy-seal.ts";
import { api, apiToken, setupAdmin, startConsole, type TestConsole } from "../support/console.ts";

let hosts: HostPool;
let hetzner: HetznerEmulator;
let t: TestConsole;
let client: ReturnType<typeof api>;

beforeAll(async () => {
  hosts = await HostPool.create();
  hetzner = await startHetznerEmulator({ hosts });
  t = startConsole({ HOIST_ENDPOINT_HETZNER: hetzner.url });
  client = api(t, await apiToken(await setupAdmin(t)));
});
afterAll(async () => {
  t?.close();
  await hetzner?.stop();
  await hosts?.close();
});

const secretOf = (id: string) => t.deps.db.select({ s: credentials.secret }).from(credentials).where(eq(credentials.id, id)).get()!.s;

it("does not open a credential's sealed token moved into another credential's row", async () => {
  const good = (await client.post("/credentials", { name: "good", provider: "hetzner", token: hetzner.token })).json();
  const other = (await client.post("/credentials", { name: "other", provider: "hetzner", token: makeToken() })).json();
  expect([good.validity, other.validity]).toEqual(["valid", "invalid"]);

  // Someone with write access to the database copies the good token into the other row.
  t.deps.db.update(credentials).set({ secret: secretOf(good.id) }).where(eq(credentials.id, other.id)).run();
  const res = await client.post(`/credentials/${other.id}/validate`);
  expect(res.status).toBe(500);
  expect(t.logs.join("")).toContain("sealed value failed authentication");
  expect((await client.get(`/credentials/${other.id}`)).json().validity).toBe("invalid");
  // The row the token belongs to still opens it.
  expect((await client.post(`/credentials/${good.id}/validate`)).json().validity).toBe("valid");
});

it("re-seals, at start, values sealed before they were bound to their row", async () => {
  const cred = (await client.post("/credentials", { name: "legacy", provider: "hetzner", token: hetzner.token })).json();
  const [key] = loadMasterKeys(t.deps.config).keys;
  t.deps.db.update(credentials).set({ secret: sealLegacy(key!, JSON.stringify({ token: hetzner.token })) }).where(eq(credentials.id, cred.id)).run();
  t.stop();
  const restarted = startConsole({ HOIST_ENDPOINT_HETZNER: hetzner.url }, t.dataDir);
  try {
    expect(sealedBy(restarted.deps.db.select({ s: credentials.secret }).from(credentials).where(eq(credentials.id, cred.id)).get()!.s)?.version).toBe("v2");
    expect(restarted.logs.join("")).toMatch(/re-sealed \d+ stored secret\(s\) under the current master key/);
    const again = api(restarted, await apiToken(await signIn(restarted)));
    expect((await again.post(`/credentials/${cred.id}/validate`)).json().validity).toBe("valid");
  } finally {
    t = restarted;
  }
});

async function signIn(c: TestConsole) {
  const web = c.client();
  await web.get("/login");
  const res = await web.post("/login", { email: "ada@example.com", password: "correct horse battery staple" });
  expect(res.status).toBe(303);
  await web.get("/nodes");
  return web;
}
