// What every page needs from the request, and the form-handling pattern shared by the routes.
import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Viewer } from "../views/layout.tsx";
import type { Actor, Env } from "./env.ts";
import { fieldMap, InvalidInputError } from "./errors.ts";
import { takeFlash } from "./flash.ts";
import { pauseText } from "./actions/maintenance.ts";

export function pageBase(c: Context<Env>) {
  const actor = c.get("actor");
  const viewer: Viewer | undefined = actor && { email: actor.user.email, name: actor.user.name, role: actor.user.role };
  const paused = c.get("paused");
  return { csrf: c.get("csrf"), viewer, flash: takeFlash(c), paused: paused && pauseText(paused), now: new Date() };
}

/** The signed-in actor (routes behind requireUser). */
export function actorOf(c: Context<Env>): Actor {
  const actor = c.get("actor");
  if (!actor) throw new Error("route needs a signed-in actor");
  return actor;
}

/**
 * A submitted form's fields: text, or an array of texts for a repeated field (checkboxes); files
 * are passed on as they are, for the validators to refuse.
 */
export async function formOf(c: Context<Env>): Promise<Record<string, unknown>> {
  const body = await c.req.parseBody({ all: true });
  const { _csrf, ...rest } = body;
  return rest;
}

/** The values to put back into a form after an error (text only, never secrets). */
export function echo(values: Record<string, unknown>, secretKeys: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === "string" && !secretKeys.includes(k)) out[k] = v.slice(0, 300);
  return out;
}

/**
 * Runs a form's action; on invalid input renders the form again (422) with the errors by field.
 */
export async function handleForm<T>(
  c: Context<Env>,
  run: () => Promise<T> | T,
  rerender: (errors: Record<string, string>) => ReturnType<Context["html"]>,
  done: (result: T) => Response | Promise<Response>,
): Promise<Response> {
  let result: T;
  try {
    result = await run();
  } catch (err) {
    if (err instanceof InvalidInputError) {
      c.status(422);
      return rerender(fieldMap(err));
    }
    throw err;
  }
  return done(result);
}

/**
 * The caller's address for rate limits: the peer's, or behind a trusted proxy (HOIST_TRUST_PROXY)
 * the nearest address in X-Forwarded-For that is not one of those proxies. Without the setting
 * the header is ignored: anyone can send one.
 */
export function addressOf(c: Context, trustedProxies: readonly string[] = []): string {
  let peer: string;
  try {
    peer = getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
  const trusted = (a: string) => trustedProxies.includes(a.replace(/^::ffff:/, ""));
  if (!trusted(peer)) return peer;
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((a) => a.trim()).filter(Boolean);
  while (hops.length && trusted(hops.at(-1)!)) hops.pop();
  return hops.at(-1) ?? peer;
}

/** A redirect target from `?next=` that stays on this site. */
export function safeNext(next: string | undefined, fallback = "/nodes"): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : fallback;
}
