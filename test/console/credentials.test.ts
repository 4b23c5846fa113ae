// Credentials end to end: pages and JSON API against the cloud emulators, through app.request()
// with a real SQLite file. The secret must never come back out.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit } from "../../state/audit.ts";
import { startAwsEmulator, type AwsEmulator } from "../emulators/aws/front.ts";
import { startDigitalOceanEmulator, type DigitalOceanEmulator } from "../emulators/digitalocean/emulator.ts";
import { makeToken, startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";
import { addUser, api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";

let hosts: HostPool;
let hetzner: HetznerEmulator;
let digitalocean: DigitalOceanEmulator;
let aws: AwsEmulator;
let t: TestConsole;
let admin: WebClient;

beforeAll(async () => {
  hosts = await HostPool.create();
  [hetzner, digitalocean, aws] = await Promise.all([
    startHetznerEmulator({ hosts }),
    startDigitalOceanEmulator({ hosts }),
    startAwsEmulator({ hosts }),
  ]);
  t = startConsole({
    HOIST_ENDPOINT_HETZNER: hetzner.url,
    HOIST_ENDPOINT_DIGITALOCEAN: digitalocean.url,
    HOIST_ENDPOINT_AWS: aws.url,
  });
  admin = await setupAdmin(t);
});

afterAll(async () => {
  t?.close();
  await Promise.all([hetzner?.stop(), digitalocean?.stop(), aws?.stop()]);
  await hosts?.close();
});

/** Every secret value a test has typed, to search outputs for. */
const typedSecrets: string[] = [];
const secret = <T extends string>(s: T) => (typedSecrets.push(s), s);

async function addViaForm(web: WebClient, fields: Record<string, string>) {
  await web.get("/nodes/credentials/new");
  return web.post("/nodes/credentials", fields);
}

function rowOf(html: string, name: string): string {
  const rows = html.split("<tr").filter((r) => r.includes(`<strong>${name}</strong>`));
  expect(rows, `row for ${name}`).toHaveLength(1);
  return rows[0]!;
}

describe("adding credentials through the page", () => {
  it("stores a Hetzner token the provider accepts as valid, and lists it without the secret", async () => {
    const res = await addViaForm(admin, { name: "hetzner-prod", provider: "hetzner", token: secret(hetzner.token) });
    expect(res.status).toBe(303);
    const list = await admin.get("/nodes/credentials");
    expect(list.text).toContain("accepted it");
    const row = rowOf(list.text, "hetzner-prod");
    expect(row).toContain("Hetzner Cloud");
    expect(row).toMatch(/badge-ok[^>]*>valid</);
    expect(row).toContain("just now");
    expect(list.text).not.toContain(hetzner.token);
    expect(list.text).not.toContain(hetzner.token.slice(0, 8));
    expect(list.text).not.toContain(hetzner.token.slice(-6));
  });

  it("keeps a token the provider refuses, marked invalid with the provider's reason", async () => {
    await addViaForm(admin, { name: "hetzner-revoked", provider: "hetzner", token: secret(makeToken()) });
    const row = rowOf((await admin.get("/nodes/credentials")).text, "hetzner-revoked");
    expect(row).toMatch(/badge-bad[^>]*>invalid</);
    expect(row).toContain("Hetzner rejected the credential: unable to authenticate (unauthorized)");
  });

  it("marks a credential unverified, with the reason, when the provider cannot answer", async () => {
    hetzner.faults.set({ kind: "catalog-down", mode: "5xx" });
    try {
      await addViaForm(admin, { name: "hetzner-outage", provider: "hetzner", token: secret(hetzner.token) });
    } finally {
      hetzner.faults.clear();
    }
    const row = rowOf((await admin.get("/nodes/credentials")).text, "hetzner-outage");
    expect(row).toMatch(/badge-warn[^>]*>unverified</);
    expect(row).toMatch(/Hetzner answered 50\d/);
  });

  it("checks DigitalOcean tokens against the account endpoint", async () => {
    await addViaForm(admin, { name: "do-main", provider: "digitalocean", token: secret(digitalocean.token) });
    await addViaForm(admin, { name: "do-bad", provider: "digitalocean", token: secret(`dop_v1_${randomBytes(32).toString("hex")}`) });
    const html = (await admin.get("/nodes/credentials")).text;
    expect(rowOf(html, "do-main")).toMatch(/badge-ok[^>]*>valid</);
    expect(rowOf(html, "do-bad")).toMatch(/badge-bad[^>]*>invalid</);
    expect(rowOf(html, "do-bad")).toContain("Unable to authenticate you");
  });

  it("checks AWS access keys with STS and keeps the region as a plain setting", async () => {
    await addViaForm(admin, {
      name: "aws-main",
      provider: "aws",
      accessKeyId: secret(aws.accessKeyId),
      secretAccessKey: secret(aws.secretAccessKey),
      region: "eu-central-1",
    });
    await addViaForm(admin, {
      name: "aws-bad",
      provider: "aws",
      accessKeyId: secret("AKIA" + randomBytes(8).toString("hex").toUpperCase()),
      secretAccessKey: secret(randomBytes(30).toString("base64").slice(0, 40)),
      region: "eu-central-1",
    });
    const html = (await admin.get("/nodes/credentials")).text;
    expect(rowOf(html, "aws-main")).toMatch(/badge-ok[^>]*>valid</);
    expect(rowOf(html, "aws-bad")).toMatch(/badge-bad[^>]*>invalid</);
    expect(rowOf(html, "aws-bad")).toContain("InvalidClientTokenId");
  });
});

describe("changing credentials", () => {
  it("re-validates with the secret decrypted afresh, following the provider's current answer", async () => {
    const id = (await api(t, await apiToken(admin)).get("/credentials")).json().credentials.find((c: any) => c.name === "hetzner-prod").id;
    hetzner.faults.set({ kind: "reject-token" });
    try {
      const res = await admin.post(`/nodes/credentials/${id}/validate`, {}, { headers: { "hx-request": "true" } });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^<tr id="cred-/);
      expect(res.text).toMatch(/badge-bad[^>]*>invalid</);
    } finally {
      hetzner.faults.clear();
    }
    await admin.post(`/nodes/credentials/${id}/validate`, {});
    expect(rowOf((await admin.get("/nodes/credentials")).text, "hetzner-prod")).toMatch(/badge-ok[^>]*>valid</);
  });

  it("renames, and replaces the secret only when a new one is given", async () => {
    const token = await apiToken(admin, "rename");
    const id = (await api(t, token).get("/credentials")).json().credentials.find((c: any) => c.name === "hetzner-revoked").id;
    await admin.get(`/nodes/credentials/${id}/edit`);
    expect((await admin.post(`/nodes/credentials/${id}`, { name: "hetzner-fixed", token: "" })).status).toBe(303);
    let c = (await api(t, token).get(`/credentials/${id}`)).json();
    expect(c).toMatchObject({ name: "hetzner-fixed", validity: "invalid" });
    expect((await admin.post(`/nodes/credentials/${id}`, { name: "hetzner-fixed", token: hetzner.token })).status).toBe(303);
    c = (await api(t, token).get(`/credentials/${id}`)).json();
    expect(c.validity).toBe("valid");
  });

  it("deletes only after a confirmation page", async () => {
    await addViaForm(admin, { name: "to-delete", provider: "hetzner", token: secret(hetzner.token) });
    const id = /\/nodes\/credentials\/([0-9a-f-]{36})\/delete/.exec(rowOf((await admin.get("/nodes/credentials")).text, "to-delete"))![1]!;
    const confirm = await admin.get(`/nodes/credentials/${id}/delete`);
    expect(confirm.text).toContain("Delete the credential “to-delete”?");
    expect(confirm.text).toContain("cannot be undone");
    const res = await admin.post(`/nodes/credentials/${id}/delete`, {});
    expect(res.status).toBe(303);
    expect((await admin.get("/nodes/credentials")).text).not.toContain("<strong>to-delete</strong>");
    expect(listAudit(t.deps.db, {}).some((e) => e.action === "credential.delete" && e.targetId === id && e.outcome === "ok")).toBe(true);
  });
});

describe("the JSON API", () => {
  it("mirrors the page actions and never returns the secret", async () => {
    const client = api(t, await apiToken(admin, "api-crud"));
    const created = await client.post("/credentials", { name: "api-made", provider: "hetzner", token: secret(hetzner.token) });
    expect(created.status).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({ name: "api-made", provider: "hetzner", validity: "valid" });
    expect(created.text).not.toContain(hetzner.token);

    expect((await client.get(`/credentials/${c.id}`)).json().name).toBe("api-made");
    expect((await client.patch(`/credentials/${c.id}`, { name: "api-renamed" })).json().name).toBe("api-renamed");
    expect((await client.post(`/credentials/${c.id}/validate`)).json().validity).toBe("valid");
    const list = await client.get("/credentials");
    expect(list.json().credentials.map((x: any) => x.name)).toContain("api-renamed");
    expect(list.text).not.toContain(hetzner.token);
    expect((await client.delete(`/credentials/${c.id}`)).status).toBe(204);
    expect((await client.get(`/credentials/${c.id}`)).status).toBe(404);
  });

  it("requires a valid API token", async () => {
    const res = await t.app.request("http://localhost/api/v1/credentials");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
    const forged = await api(t, `hoist_${randomBytes(32).toString("base64url")}`).get("/credentials");
    expect(forged.status).toBe(401);
  });
});

describe("isolation between users", () => {
  it("answers 404 for another user's credential on every page and API route", async () => {
    const olga = await addUser(t, admin, "operator", "olga@example.com");
    const oscar = await addUser(t, admin, "operator", "oscar@example.com");
    await addViaForm(olga, { name: "olga-cred", provider: "hetzner", token: secret(hetzner.token) });
    const olgaApi = api(t, await apiToken(olga));
    const id: string = (await olgaApi.get("/credentials")).json().credentials[0].id;
    const oscarApi = api(t, await apiToken(oscar));

    await oscar.get("/nodes/credentials");
    for (const path of [`/nodes/credentials/${id}/edit`, `/nodes/credentials/${id}/delete`]) {
      expect((await oscar.get(path)).status, `GET ${path}`).toBe(404);
    }
    for (const path of [`/nodes/credentials/${id}`, `/nodes/credentials/${id}/validate`, `/nodes/credentials/${id}/delete`]) {
      expect((await oscar.post(path, { name: "stolen" })).status, `POST ${path}`).toBe(404);
    }
    expect((await oscarApi.get(`/credentials/${id}`)).status).toBe(404);
    expect((await oscarApi.patch(`/credentials/${id}`, { name: "stolen" })).status).toBe(404);
    expect((await oscarApi.post(`/credentials/${id}/validate`)).status).toBe(404);
    expect((await oscarApi.delete(`/credentials/${id}`)).status).toBe(404);
    expect((await oscarApi.get("/credentials")).json().credentials).toEqual([]);
    expect((await oscar.get("/nodes/credentials")).text).not.toContain("olga-cred");

    // Untouched, and still Olga's.
    expect((await olgaApi.get(`/credentials/${id}`)).json()).toMatchObject({ name: "olga-cred", validity: "valid" });
    // The admin sees everyone's, with the owner named.
    expect(rowOf((await admin.get("/nodes/credentials")).text, "olga-cred")).toContain("olga@example.com");
  });
});

describe("the secret never leaves in plaintext", () => {
  it("appears in no page, no API answer, no log line and not in the SQLite file", async () => {
    const client = api(t, await apiToken(admin, "leak-check"));
    const outputs: string[] = [];
    for (const path of ["/nodes/credentials", "/nodes/credentials/new", "/audit", "/nodes", "/settings/tokens"]) outputs.push((await admin.get(path)).text);
    const listed = await client.get("/credentials");
    outputs.push(listed.text, (await client.get("/audit")).text);
    for (const c of listed.json().credentials) {
      outputs.push((await admin.get(`/nodes/credentials/${c.id}/edit`)).text, (await client.get(`/credentials/${c.id}`)).text);
    }
    const logs = t.logs.join("");
    const db = t.databaseBytes();
    expect(typedSecrets.length).toBeGreaterThan(5);
    for (const s of typedSecrets) {
      for (const out of outputs) expect(out.includes(s), "a page or API answer holds a secret").toBe(false);
      expect(logs.includes(s), "a log line holds a secret").toBe(false);
      expect(db.includes(Buffer.from(s)), "the SQLite file holds a secret").toBe(false);
    }
    expect(logs).toContain("credential checked");
  });
});
