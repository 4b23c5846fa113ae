// One-shot messages carried across a redirect in a short-lived cookie.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export interface Flash {
  kind: "ok" | "error" | "info";
  text: string;
}

const COOKIE = "hoist_flash";

export function setFlash(c: Context, kind: Flash["kind"], text: string): void {
  setCookie(c, COOKIE, Buffer.from(JSON.stringify({ kind, text })).toString("base64url"), { httpOnly: true, sameSite: "Lax", path: "/", maxAge: 60 });
}

export function takeFlash(c: Context): Flash | undefined {
  const raw = getCookie(c, COOKIE);
  if (!raw) return undefined;
  deleteCookie(c, COOKIE, { path: "/" });
  try {
    const f = JSON.parse(Buffer.from(raw, "base64url").toString()) as Flash;
    if (["ok", "error", "info"].includes(f.kind) && typeof f.text === "string") return { kind: f.kind, text: f.text.slice(0, 500) };
  } catch {
    // a damaged cookie shows nothing
  }
  return undefined;
}
