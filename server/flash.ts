// One-shot messages carried across a redirect in a short-lived cookie.
import type { Context } from "hono";
import type { Env } from "./env.ts";

export interface Flash {
  kind: "ok" | "error" | "info";
  text: string;
}

export function setFlash(c: Context<Env>, kind: Flash["kind"], text: string): void {
  c.get("cookies").set(c, "hoist_flash", Buffer.from(JSON.stringify({ kind, text })).toString("base64url"), 60);
}

export function takeFlash(c: Context<Env>): Flash | undefined {
  const jar = c.get("cookies");
  const raw = jar.get(c, "hoist_flash");
  if (!raw) return undefined;
  jar.delete(c, "hoist_flash");
  try {
    const f = JSON.parse(Buffer.from(raw, "base64url").toString()) as Flash;
    if (["ok", "error", "info"].includes(f.kind) && typeof f.text === "string") return { kind: f.kind, text: f.text.slice(0, 500) };
  } catch {
    // a damaged cookie shows nothing
  }
  return undefined;
}
