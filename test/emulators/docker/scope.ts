// What makes one shared daemon look like each server's own: the API requests a server sends
// are rewritten before they reach the daemon, and some answers on their way back.
//
// - containers and volumes it creates carry the label hoist-testbed.host=<host id>, and their
//   names are stored as `<host id>.<name>`, so two servers may both run a container `web` or
//   keep a volume `data`; lists (ps, volume ls, prune, events) see only the server's own;
// - a bind mount's source is a path on the server, so `-v /srv/app:/data` mounts
//   <server root>/srv/app, not this machine's /srv/app;
// - there is no bridge: a container must use `--network host` (or none) and its app must listen
//   on the server's own address; creating a network is refused with that explanation.
//
// Images are shared by all servers of a pool (as if every server had pulled them already).

import path from "node:path";

export const HOST_LABEL = "hoist-testbed.host";

export interface Scope {
  hostId: string;
  /** The server's root filesystem on this machine. */
  rootDir: string;
}

export type Rewritten = { path: string; body?: Buffer } | { refuse: { status: number; message: string } };

const VERSION = /^(\/v[0-9.]+)?(\/.*)$/;

/** Splits `/v1.41/containers/json?all=1` into version prefix, route and query. */
function parse(url: string): { version: string; route: string; query: URLSearchParams } {
  const u = new URL(url, "http://docker");
  const m = VERSION.exec(u.pathname)!;
  return { version: m[1] ?? "", route: m[2]!, query: u.searchParams };
}

const join = (version: string, route: string, query: URLSearchParams) => `${version}${route}${query.size ? `?${query}` : ""}`;

export function scopedName(s: Scope, name: string): string {
  return `${s.hostId}.${name.replace(/^\//, "")}`;
}

function unscopedName(s: Scope, name: string): string {
  const slash = name.startsWith("/") ? "/" : "";
  const bare = name.replace(/^\//, "");
  return bare.startsWith(`${s.hostId}.`) ? slash + bare.slice(s.hostId.length + 1) : name;
}

/** A container reference as a user types it: an id (or a prefix of one, 12+ hex digits) stays, a name is scoped. */
function scopedRef(s: Scope, ref: string): string {
  const r = decodeURIComponent(ref);
  return encodeURIComponent(/^[0-9a-f]{12,64}$/.test(r) ? r : scopedName(s, r));
}

/** Adds `label=hoist-testbed.host=<id>` to a `filters` query value, in either of the API's two forms. */
export function withHostFilter(s: Scope, filters: string | null): string {
  const parsed = (filters ? JSON.parse(filters) : {}) as Record<string, Record<string, boolean> | string[]>;
  const mine = `${HOST_LABEL}=${s.hostId}`;
  const label = parsed.label;
  if (Array.isArray(label)) label.push(mine);
  else parsed.label = { ...(label ?? {}), [mine]: true };
  return JSON.stringify(parsed);
}

/** Whether the request's body must be read whole to be rewritten. */
export function rewritesBody(method: string, url: string): boolean {
  const { route } = parse(url);
  return method === "POST" && (route === "/containers/create" || route === "/volumes/create");
}

/** Whether the answer must be read whole to be rewritten (small JSON answers only). */
export function rewritesAnswer(method: string, url: string): boolean {
  const { route } = parse(url);
  return method === "GET" && (route === "/containers/json" || /^\/containers\/[^/]+\/json$/.test(route) || route === "/volumes" || /^\/volumes\/[^/]+$/.test(route));
}

export function rewriteRequest(s: Scope, method: string, url: string, body?: Buffer): Rewritten {
  const { version, route, query } = parse(url);
  if (route === "/networks/create") {
    return {
      refuse: {
        status: 403,
        message:
          "test bed: emulated servers share one container runtime with host networking only; run containers with --network host and let the app listen on the server's own address",
      },
    };
  }
  if (route === "/containers/create" && method === "POST") {
    if (query.has("name")) query.set("name", scopedName(s, query.get("name")!));
    const spec = JSON.parse(body?.toString("utf8") || "{}") as ContainerSpec;
    const mode = spec.HostConfig?.NetworkMode ?? "";
    if (!["host", "none"].includes(mode)) {
      return {
        refuse: {
          status: 400,
          message: `test bed: network mode ${JSON.stringify(mode || "default (bridge)")} does not exist on emulated servers; run containers with --network host and let the app listen on the server's own address`,
        },
      };
    }
    spec.Labels = { ...spec.Labels, [HOST_LABEL]: s.hostId };
    const host = spec.HostConfig!;
    if (host.Binds) host.Binds = host.Binds.map((b) => scopeBind(s, b));
    if (host.Mounts) host.Mounts = host.Mounts.map((m) => (m.Type === "bind" ? { ...m, Source: onServer(s, m.Source) } : m.Type === "volume" && m.Source ? { ...m, Source: scopedName(s, m.Source) } : m));
    return { path: join(version, route, query), body: Buffer.from(JSON.stringify(spec)) };
  }
  if (route === "/volumes/create" && method === "POST") {
    const spec = JSON.parse(body?.toString("utf8") || "{}") as { Name?: string; Labels?: Record<string, string> };
    // An unnamed volume gets a random name from the daemon: nothing to scope.
    if (spec.Name) spec.Name = scopedName(s, spec.Name);
    spec.Labels = { ...spec.Labels, [HOST_LABEL]: s.hostId };
    return { path: join(version, route, query), body: Buffer.from(JSON.stringify(spec)) };
  }
  if (["/containers/json", "/containers/prune", "/volumes", "/volumes/prune", "/events"].includes(route)) {
    query.set("filters", withHostFilter(s, query.get("filters")));
    return { path: join(version, route, query), body };
  }
  const container = /^\/containers\/([^/]+)(\/.*)?$/.exec(route);
  if (container) {
    if (container[2] === "/rename" && query.has("name")) query.set("name", scopedName(s, query.get("name")!));
    return { path: join(version, `/containers/${scopedRef(s, container[1]!)}${container[2] ?? ""}`, query), body };
  }
  const volume = /^\/volumes\/([^/]+)$/.exec(route);
  if (volume) return { path: join(version, `/volumes/${encodeURIComponent(scopedName(s, decodeURIComponent(volume[1]!)))}`, query), body };
  return { path: url, body };
}

/** The answer as the server should see it: its own names, its own paths. */
export function rewriteAnswer(s: Scope, url: string, body: Buffer): Buffer {
  const { route } = parse(url);
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return body;
  }
  if (route === "/containers/json" && Array.isArray(value)) {
    for (const c of value as { Names?: string[]; Mounts?: MountView[] }[]) {
      c.Names = c.Names?.map((n) => unscopedName(s, n));
      c.Mounts?.forEach((m) => unscopeMount(s, m));
    }
  } else if (route.startsWith("/containers/") && value && typeof value === "object") {
    const c = value as { Name?: string; Mounts?: MountView[]; HostConfig?: { Binds?: string[] } };
    if (c.Name) c.Name = unscopedName(s, c.Name);
    c.Mounts?.forEach((m) => unscopeMount(s, m));
    if (c.HostConfig?.Binds) c.HostConfig.Binds = c.HostConfig.Binds.map((b) => b.replace(/^[^:]+/, (src) => (src.startsWith("/") ? offServer(s, src) : unscopedName(s, src))));
  } else if (route === "/volumes" && value && typeof value === "object") {
    for (const v of (value as { Volumes?: { Name: string }[] }).Volumes ?? []) v.Name = unscopedName(s, v.Name);
  } else if (route.startsWith("/volumes/") && value && typeof value === "object") {
    const v = value as { Name?: string };
    if (v.Name) v.Name = unscopedName(s, v.Name);
  }
  return Buffer.from(JSON.stringify(value));
}

interface ContainerSpec {
  Labels?: Record<string, string>;
  HostConfig?: { NetworkMode?: string; Binds?: string[]; Mounts?: { Type?: string; Source?: string }[] };
}

interface MountView {
  Type?: string;
  Name?: string;
  Source?: string;
}

/** `src:dst[:opts]`: a path on the server, or a volume name. */
function scopeBind(s: Scope, bind: string): string {
  const i = bind.indexOf(":");
  const src = i < 0 ? bind : bind.slice(0, i);
  const rest = i < 0 ? "" : bind.slice(i);
  return (src.startsWith("/") ? onServer(s, src) : scopedName(s, src)) + rest;
}

function onServer(s: Scope, p: string | undefined): string {
  // Normalised first: `..` stops at the server's root, as it does on the server.
  return s.rootDir + path.posix.join("/", p ?? "");
}

function offServer(s: Scope, p: string): string {
  return p.startsWith(s.rootDir + "/") ? p.slice(s.rootDir.length) : p;
}

function unscopeMount(s: Scope, m: MountView): void {
  if (m.Type === "bind" && m.Source) m.Source = offServer(s, m.Source);
  if (m.Type === "volume" && m.Name) m.Name = unscopedName(s, m.Name);
}
