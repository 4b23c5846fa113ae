// Hostile input on every form and API field gets a clear 4xx naming the field and changes nothing.
import fc from "fast-check";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../emulators/hosts.ts";
import { startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { addUser, api, apiToken, setupAdmin, startConsole, type TestConsole, type WebClient } from "../support/console.ts";

let hosts: HostPool;
let hetzner: HetznerEmulator;
let t: TestConsole;
let admin: WebClient;
let adminApi: ReturnType<typeof api>;
let credId: string;
let otherUserId: string;

beforeAll(async () => {
  hosts = await HostPool.create();
  hetzner = await startHetznerEmulator({ hosts });
  t = startConsole({ HOIST_ENDPOINT_HETZNER: hetzner.url });
  admin = await setupAdmin(t);
  adminApi = api(t, await apiToken(admin));
  credId = (await adminApi.post("/credentials", { name: "existing", provider: "hetzner", token: hetzner.token })).json().id;
  await addUser(t, admin, "operator", "olga@example.com");
  otherUserId = (await adminApi.get("/users")).json().users.find((u: any) => u.email === "olga@example.com").id;
});

afterAll(async () => {
  t?.close();
  await hetzner?.stop();
  await hosts?.close();
});

/** A fingerprint of every table a form or API call could change. */
function snapshot(): string {
  const db = t.deps.db.$client;
  const rows = ["users", "credentials", "api_tokens"].map((table) => {
    // last_used_at moves with every API call; it is not something input can change.
    const data = db.prepare(`select * from ${table} order by id`).all() as Record<string, unknown>[];
    return data.map(({ last_used_at: _ignored, ...rest }) => rest);
  });
  return createHash("sha256").update(JSON.stringify(rows)).digest("hex");
}

const hostile: Record<string, unknown> = {
  "too long": "a".repeat(5000),
  html: '<script>alert("x")</script>',
  sql: "x'); DROP TABLE credentials; --",
  "control characters": "name\u0000\u0007\n",
};
const wrongTypes: Record<string, unknown> = { number: 42, array: ["a"], object: { $ne: null }, null: null, boolean: true };

const validCred = { name: "fine-name", provider: "hetzner", token: "A".repeat(64) };
const validAws = { name: "fine-aws", provider: "aws", accessKeyId: "AKIAABCDEFGHIJKLMNOP", secretAccessKey: "a".repeat(40), region: "eu-central-1" };

interface Case {
  what: string;
  field: string;
  send: (value: unknown) => Promise<{ status: number; text: string }>;
  /** For form posts, only strings can be sent. */
  form?: boolean;
}

const cases: Case[] = [
  { what: "API create credential", field: "name", send: (v) => adminApi.post("/credentials", { ...validCred, name: v }) },
  { what: "API create credential", field: "provider", send: (v) => adminApi.post("/credentials", { ...validCred, provider: v }) },
  { what: "API create credential", field: "token", send: (v) => adminApi.post("/credentials", { ...validCred, token: v }) },
  { what: "API create AWS credential", field: "accessKeyId", send: (v) => adminApi.post("/credentials", { ...validAws, accessKeyId: v }) },
  { what: "API create AWS credential", field: "secretAccessKey", send: (v) => adminApi.post("/credentials", { ...validAws, secretAccessKey: v }) },
  { what: "API create AWS credential", field: "region", send: (v) => adminApi.post("/credentials", { ...validAws, region: v }) },
  { what: "API rename credential", field: "name", send: (v) => adminApi.patch(`/credentials/${credId}`, { name: v }) },
  { what: "API replace secret", field: "token", send: (v) => adminApi.patch(`/credentials/${credId}`, { token: v }) },
  { what: "API invite", field: "email", send: (v) => adminApi.post("/users", { name: "Eve", email: v, role: "viewer" }) },
  { what: "API invite", field: "name", send: (v) => adminApi.post("/users", { name: v, email: "eve@example.com", role: "viewer" }) },
  { what: "API invite", field: "role", send: (v) => adminApi.post("/users", { name: "Eve", email: "eve@example.com", role: v }) },
  { what: "API change role", field: "role", send: (v) => adminApi.patch(`/users/${otherUserId}`, { role: v }) },
  { what: "API create token", field: "name", send: (v) => adminApi.post("/tokens", { name: v }) },
  { what: "form add credential", field: "name", form: true, send: (v) => admin.post("/nodes/credentials", { ...validCred, name: v as string }) },
  { what: "form add credential", field: "provider", form: true, send: (v) => admin.post("/nodes/credentials", { ...validCred, provider: v as string }) },
  { what: "form add credential", field: "token", form: true, send: (v) => admin.post("/nodes/credentials", { ...validCred, token: v as string }) },
  { what: "form add AWS credential", field: "region", form: true, send: (v) => admin.post("/nodes/credentials", { ...validAws, region: v as string }) },
  { what: "form edit credential", field: "name", form: true, send: (v) => admin.post(`/nodes/credentials/${credId}`, { name: v as string }) },
  { what: "form invite", field: "email", form: true, send: (v) => admin.post("/users", { name: "Eve", email: v as string, role: "viewer" }) },
  { what: "form invite", field: "role", form: true, send: (v) => admin.post("/users", { name: "Eve", email: "eve@example.com", role: v as string }) },
  { what: "form change role", field: "role", form: true, send: (v) => admin.post(`/users/${otherUserId}/role`, { role: v as string }) },
  { what: "form create token", field: "name", form: true, send: (v) => admin.post("/settings/tokens", { name: v as string }) },
  { what: "form sign in", field: "email", form: true, send: (v) => t.client().post("/login", { email: v as string, password: "whatever password" }) },
];

/** The field must be named in the answer: in the JSON error's fields, or as the form field's error. */
function expectNamed(res: { status: number; text: string }, c: Case, label: string) {
  expect(res.status, label).toBeGreaterThanOrEqual(400);
  expect(res.status, label).toBeLessThan(500);
  if (c.form) {
    const namedInForm = new RegExp(`id="f-${c.field}-error"`).test(res.text) || new RegExp(`>${c.field}: `).test(res.text);
    expect(namedInForm, `${label}: form names ${c.field}`).toBe(true);
  } else {
    const body = JSON.parse(res.text);
    expect(body.error.fields?.map((f: { field: string }) => f.field), label).toContain(c.field);
  }
  expect(res.text, label).not.toContain("<script>alert");
}

describe("hostile input", () => {
  for (const c of cases) {
    it(`${c.what}: ${c.field}`, async () => {
      await admin.get("/nodes/credentials");
      const values = c.form ? hostile : { ...hostile, ...wrongTypes };
      for (const [kind, value] of Object.entries(values)) {
        const before = snapshot();
        const res = await c.send(value);
        expectNamed(res, c, `${c.what} ${c.field} (${kind})`);
        expect(snapshot(), `${c.what} ${c.field} (${kind}) changed nothing`).toBe(before);
      }
    });
  }

  it("names an unknown provider", async () => {
    const before = snapshot();
    const res = await adminApi.post("/credentials", { name: "x", provider: "linode", token: "t" });
    expect(res.status).toBe(422);
    expect(res.json().error.fields).toContainEqual({ field: "provider", message: "must be one of hetzner, digitalocean, aws" });
    expect(snapshot()).toBe(before);
  });

  it("names the body when it is not a JSON object", async () => {
    for (const body of ["not json", "[1,2]", '"a string"', "null"]) {
      const res = await adminApi.post("/credentials", body);
      expect(res.status, body).toBe(422);
      expect(res.json().error.fields[0].field, body).toBe("body");
    }
  });

  it("accepts exactly the names the rule allows (property)", async () => {
    const rule = /^[A-Za-z0-9][A-Za-z0-9 ._()-]*$/;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (name) => {
        const before = snapshot();
        const res = await adminApi.post("/tokens", { name });
        const trimmed = name.trim();
        if (rule.test(trimmed) && trimmed.length <= 64) {
          expect(res.status).toBe(201);
          expect(res.json().name).toBe(trimmed);
          await adminApi.delete(`/tokens/${res.json().id}`);
        } else {
          expect(res.status).toBe(422);
          expect(res.json().error.fields[0].field).toBe("name");
          expect(snapshot()).toBe(before);
        }
      }),
      { numRuns: 150 },
    );
  });
});
