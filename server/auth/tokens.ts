import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const randomToken = (bytes = 32) => randomBytes(bytes).toString("base64url");

export const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** API tokens: `hoist_` + 43 url-safe characters; stored as their sha256, shown once. */
export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = `hoist_${randomToken(32)}`;
  return { token, hash: sha256(token), prefix: token.slice(0, 12) };
}
