// Every cookie Hoist sets, in one place. Behind https (HOIST_PUBLIC_URL) they carry the `__Host-`
// prefix, Secure and Path=/ without a Domain, so no sibling host or plain-http page can set or
// overwrite them; over plain http (a console on 127.0.0.1) browsers refuse `__Host-` cookies,
// so there they are plain names. All are HttpOnly and SameSite=Lax.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export type CookieName = "hoist_session" | "hoist_pre" | "hoist_flash";

export interface CookieJar {
  /** The name as the browser stores it (with its prefix). */
  nameOf(name: CookieName): string;
  get(c: Context, name: CookieName): string | undefined;
  set(c: Context, name: CookieName, value: string, maxAgeSeconds?: number): void;
  delete(c: Context, name: CookieName): void;
}

export function cookieJar(secure: boolean): CookieJar {
  const prefix = secure ? ("host" as const) : undefined;
  return {
    nameOf: (name) => (secure ? `__Host-${name}` : name),
    get: (c, name) => getCookie(c, name, prefix),
    set: (c, name, value, maxAge) => setCookie(c, name, value, { httpOnly: true, sameSite: "Lax", secure, path: "/", prefix, maxAge }),
    delete: (c, name) => void deleteCookie(c, name, { path: "/", secure, prefix }),
  };
}
