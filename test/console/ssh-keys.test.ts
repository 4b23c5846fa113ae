// The operator's own SSH keys: Settings → SSH keys and /api/v1/ssh-keys, and the create form
// offering them (the last chosen preselected). Installing them on a server is tested per cloud
// in test/clouds/suite.ts.
import ssh2 from "ssh2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listUserKeys } from "../../state/user-keys.ts";
import { listUsers } from "../../state/users.ts";
import { addUser, api, apiToken, setupAdmin, startConsole, type TestConsole } from "../support/console.ts";

let t: TestConsole;
beforeEach(() => {
  t = startConsole({ HOIST_ENDPOINT_HETZNER: "http://127.0.0.1:9/v1" });
});
afterEach(() => t.close());

const newKey = (comment: string) => ssh2.utils.generateKeyPairSync("ed25519", { comment });

describe("Settings → SSH keys", () => {
  it("adds a pasted public key with its fingerprint, lists it, and removes it", async () => {
    const admin = await setupAdmin(t);
    expect((await admin.get("/settings/ssh-keys")).text).toContain("No SSH keys yet");
    const key = newKey("ada@laptop");
    // Pasted with the file's trailing newline.
    const added = await admin.post("/settings/ssh-keys", { name: "ada-laptop", publicKey: `${key.public}\r\n` });
    expect(added.status).toBe(303);
    const page = await admin.get("/settings/ssh-keys");
    const [row] = listUserKeys(t.deps.db, listUsers(t.deps.db)[0]!.id);
    expect(row!.publicKey).toBe(key.public.trim());
    expect(row!.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(page.text).toContain("ada-laptop");
    expect(page.text).toContain(row!.fingerprint);
    expect(page.text).toContain("ada@laptop");
    expect(page.text).toContain("ssh-ed25519");

    const removed = await admin.post(`/settings/ssh-keys/${row!.id}/delete`, {});
    expect(removed.status).toBe(303);
    expect(listUserKeys(t.deps.db, row!.userId)).toEqual([]);
  });

  it("refuses what is not a public key, duplicates and bad names, naming the field and keeping nothing", async () => {
    const admin = await setupAdmin(t);
    const key = newKey("k");
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ name: "priv", publicKey: key.private }, "publicKey", /is a private key: never paste it anywhere/],
      [{ name: "two", publicKey: `${key.public}\n${newKey("b").public}` }, "publicKey", /must be one key on one line/],
      [{ name: "relabelled", publicKey: key.public.replace("ssh-ed25519", "ssh-rsa") }, "publicKey", /must be an OpenSSH public key line/],
      [{ name: "", publicKey: key.public }, "name", /is required/],
      [{ name: "<script>", publicKey: key.public }, "name", /may contain letters/],
    ];
    for (const [fields, field, message] of cases) {
      const res = await admin.post("/settings/ssh-keys", fields);
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expect(res.text).toContain(`id="f-${field}-error"`);
      expect(res.text).toMatch(message);
      // The private key is never echoed back into the page.
      expect(res.text).not.toContain("PRIVATE KEY");
    }
    expect((await admin.post("/settings/ssh-keys", { name: "first", publicKey: key.public })).status).toBe(303);
    const again = await admin.post("/settings/ssh-keys", { name: "second", publicKey: key.public });
    expect(again.status).toBe(422);
    expect(again.text).toContain("is already one of your keys (“first”)");
    expect(listUserKeys(t.deps.db, listUsers(t.deps.db)[0]!.id)).toHaveLength(1);
  });

  it("works through the API, keeps users' keys apart, and lets viewers only look", async () => {
    const admin = await setupAdmin(t);
    const client = api(t, await apiToken(admin));
    const key = newKey("ci");
    const created = await client.post("/ssh-keys", { name: "ci", publicKey: key.public });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ name: "ci", publicKey: key.public.trim(), fingerprint: expect.stringMatching(/^SHA256:/), lastUsedAt: null });
    const bad = await client.post("/ssh-keys", { name: "x", publicKey: "ssh-ed25519 nope" });
    expect(bad.status).toBe(422);
    expect(bad.json().error.fields).toEqual([{ field: "publicKey", message: expect.stringContaining("OpenSSH public key") }]);

    const operator = await addUser(t, admin, "operator", "olga@example.com");
    const theirs = api(t, await apiToken(operator));
    expect((await theirs.get("/ssh-keys")).json().sshKeys).toEqual([]);
    expect((await theirs.delete(`/ssh-keys/${created.json().id}`)).status).toBe(404);
    const viewer = api(t, await apiToken(await addUser(t, admin, "viewer", "vera@example.com")));
    expect((await viewer.post("/ssh-keys", { name: "v", publicKey: newKey("v").public })).status).toBe(403);

    expect((await client.delete(`/ssh-keys/${created.json().id}`)).status).toBe(204);
    expect((await client.get("/ssh-keys")).json().sshKeys).toEqual([]);
  });
});

describe("the create form", () => {
  it("offers the user's keys, preselecting those chosen for the last server, and refuses another user's key", async () => {
    const admin = await setupAdmin(t);
    const client = api(t, await apiToken(admin));
    const cred = await client.post("/credentials", { name: "hz", provider: "hetzner", token: "A".repeat(64) });
    expect((await admin.get("/nodes/cloud/new")).text).toContain("You have no SSH keys in Hoist yet");
    const a = (await client.post("/ssh-keys", { name: "alpha", publicKey: newKey("a").public })).json();
    const b = (await client.post("/ssh-keys", { name: "beta", publicKey: newKey("b").public })).json();
    const checked = (html: string) => [...html.matchAll(/<input type="checkbox" name="sshKeyIds" value="([^"]+)"( checked="")?/g)].filter((m) => m[2]).map((m) => m[1]);
    // None chosen yet: all offered and checked.
    expect(checked((await admin.get("/nodes/cloud/new")).text)).toEqual([a.id, b.id]);

    // The catalog is unreachable here, so the create goes through on the form's values and fails later.
    const made = await client.post("/servers", { credentialId: cred.json().id, name: "web", region: "fsn1", size: "cx22", image: "ubuntu-24.04", sshKeyIds: [b.id] });
    expect(made.status, made.text).toBe(202);
    expect(made.json().server).not.toHaveProperty("spec");
    expect(checked((await admin.get("/nodes/cloud/new")).text)).toEqual([b.id]);
    expect((await client.get("/ssh-keys")).json().sshKeys.find((k: { id: string }) => k.id === b.id).lastUsedAt).not.toBeNull();

    const other = api(t, await apiToken(await addUser(t, admin, "operator", "olga@example.com")));
    const otherCred = await other.post("/credentials", { name: "hz", provider: "hetzner", token: "B".repeat(64) });
    const refused = await other.post("/servers", { credentialId: otherCred.json().id, name: "web", region: "fsn1", size: "cx22", image: "ubuntu-24.04", sshKeyIds: [a.id] });
    expect(refused.status).toBe(422);
    expect(refused.json().error.fields).toEqual([{ field: "sshKeyIds", message: "names a key that is not one of yours" }]);
  });
});
