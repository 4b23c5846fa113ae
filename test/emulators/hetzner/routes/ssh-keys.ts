// /ssh_keys: the project's registered public keys. A server accepts the keys it was created with.
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { checkLabels, HetznerApiError, invalidInput, matchesSelector, notFound, now, paginated, pathId, readBody, sortBy } from "../http.ts";
import type { EmulatorContext } from "../machines.ts";
import type { SshKeyRecord } from "../state.ts";

const KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"];

/** Hetzner's fingerprint: MD5 of the key blob as colon-separated hex (`b7:2f:…`). */
export function md5Fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
}

/** An OpenSSH public key line whose blob really holds the key type it claims. */
function checkPublicKey(value: unknown): string {
  if (typeof value !== "string") throw invalidInput("public_key", "is missing");
  const [type, b64] = value.trim().split(/\s+/);
  const blob = Buffer.from(b64 ?? "", "base64");
  const inner = blob.length > 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString() : "";
  if (!type || !KEY_TYPES.includes(type) || inner !== type) throw invalidInput("public_key", "invalid public key");
  return value.trim();
}

function checkName(ctx: EmulatorContext, name: unknown, self?: number): string {
  if (typeof name !== "string" || !name.trim() || name.length > 128) throw invalidInput("name", "is missing");
  const clash = [...ctx.state.sshKeys.values()].find((k) => k.name === name && k.id !== self);
  if (clash) throw new HetznerApiError(409, "uniqueness_error", "SSH key with the same name already exists", { fields: [{ name: "name", messages: ["is already used"] }] });
  return name;
}

export function sshKeyRoutes(ctx: EmulatorContext) {
  const app = new Hono();
  const keys = ctx.state.sshKeys;
  const must = (id: number): SshKeyRecord => {
    const k = keys.get(id);
    if (!k) throw notFound("ssh_key", id);
    return k;
  };

  app.post("/", async (c) => {
    const body = await readBody(c);
    const name = checkName(ctx, body.name);
    const publicKey = checkPublicKey(body.public_key);
    const fingerprint = md5Fingerprint(publicKey);
    if ([...keys.values()].some((k) => k.fingerprint === fingerprint)) {
      throw new HetznerApiError(409, "uniqueness_error", "SSH key with the same fingerprint already exists", {
        fields: [{ name: "public_key", messages: ["is already used"] }],
      });
    }
    const key: SshKeyRecord = { id: ctx.state.nextId(), name, fingerprint, public_key: publicKey, labels: checkLabels(body.labels), created: now() };
    keys.set(key.id, key);
    return c.json({ ssh_key: key }, 201);
  });

  app.get("/", (c) => {
    const { name, fingerprint, label_selector } = c.req.query();
    const list = [...keys.values()].filter(
      (k) => (name === undefined || k.name === name) && (fingerprint === undefined || k.fingerprint === fingerprint) && matchesSelector(k.labels, label_selector),
    );
    return paginated(c, "ssh_keys", sortBy(list, c.req.queries("sort") ?? ["id"], (k, f) => (k as unknown as Record<string, unknown>)[f]));
  });

  app.get("/:id", (c) => c.json({ ssh_key: must(pathId(c)) }));

  app.put("/:id", async (c) => {
    const key = must(pathId(c));
    const body = await readBody(c);
    if (body.name !== undefined) key.name = checkName(ctx, body.name, key.id);
    if (body.labels !== undefined) key.labels = checkLabels(body.labels);
    return c.json({ ssh_key: key });
  });

  app.delete("/:id", (c) => {
    keys.delete(must(pathId(c)).id);
    return c.body(null, 204);
  });

  return app;
}
