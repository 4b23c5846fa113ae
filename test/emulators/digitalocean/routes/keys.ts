// SSH keys (`/v2/account/keys`): CRUD, addressed by id or by fingerprint.
import { Hono, type Context } from "hono";
import type { Deps, Env } from "../api.ts";
import { jsonBody, notFound, paginate, unprocessable } from "../http.ts";
import { md5Fingerprint, renderKey, type KeyRecord } from "../state.ts";

const KEY_TYPES = ["ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519"];

export function keyRoutes(deps: Deps): Hono<Env> {
  const { account } = deps;
  const app = new Hono<Env>();
  const key = (c: Context): KeyRecord => {
    const ref = c.req.param("ref") ?? "";
    const k = /^\d+$/.test(ref) ? account.keys.get(Number(ref)) : [...account.keys.values()].find((x) => x.fingerprint === ref);
    if (!k) throw notFound();
    return k;
  };

  app.get("/account/keys", (c) => c.json(paginate(c, "ssh_keys", [...account.keys.values()].map(renderKey))));

  app.post("/account/keys", async (c) => {
    const body = await jsonBody(c);
    const name = typeof body.name === "string" ? body.name.trim() : "";
    if (!name) throw unprocessable("Name can't be blank");
    const publicKey = typeof body.public_key === "string" ? body.public_key.trim() : "";
    if (!validPublicKey(publicKey)) {
      throw unprocessable(`Key invalid type, we support ${KEY_TYPES.slice(0, -1).map((t) => `'${t}'`).join(", ")}, or '${KEY_TYPES.at(-1)}'`);
    }
    const fingerprint = md5Fingerprint(publicKey);
    if ([...account.keys.values()].some((k) => k.fingerprint === fingerprint)) throw unprocessable("SSH Key is already in use on your account");
    const k: KeyRecord = { id: deps.ids.key(), name, fingerprint, publicKey };
    account.keys.set(k.id, k);
    return c.json({ ssh_key: renderKey(k) }, 201);
  });

  app.get("/account/keys/:ref", (c) => c.json({ ssh_key: renderKey(key(c)) }));

  app.put("/account/keys/:ref", async (c) => {
    const k = key(c);
    const body = await jsonBody(c);
    if (typeof body.name === "string" && body.name.trim()) k.name = body.name.trim();
    return c.json({ ssh_key: renderKey(k) });
  });

  app.delete("/account/keys/:ref", (c) => {
    account.keys.delete(key(c).id);
    return c.body(null, 204);
  });
  return app;
}

/** An OpenSSH public key line whose blob is of the type it claims. */
function validPublicKey(line: string): boolean {
  const [type, data] = line.split(/\s+/);
  if (!type || !data || !KEY_TYPES.includes(type)) return false;
  const blob = Buffer.from(data, "base64");
  if (blob.length < 4) return false;
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString() === type;
}
