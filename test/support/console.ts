// A Hoist console for tests: real SQLite file in a temp data folder, the real migrator, the real
// app answering through app.request(), and every log line kept for inspection.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { createApp } from "../../server/app.tsx";
import { SETUP_CODE_FILE } from "../../server/auth/setup-code.ts";
import { loadConfig } from "../../server/config.ts";
import { createDeps } from "../../server/deps.ts";
import type { Deps } from "../../server/env.ts";

export interface TestConsole {
  deps: Deps;
  app: ReturnType<typeof createApp>;
  dataDir: string;
  logs: string[];
  /** The SQLite file and its WAL, as bytes (for "no plaintext secret" checks). */
  databaseBytes(): Buffer;
  /** A new browser; `address` is the address the console sees it connect from. */
  client(address?: string): WebClient;
  /** Closes the database, keeping the data folder (for a restart on it). */
  stop(): void;
  /** Closes the database and deletes the data folder. */
  close(): void;
}

/** A console on a fresh data folder, or on `dataDir` (a restart of another one). */
export function startConsole(env: Record<string, string> = {}, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-console-"))): TestConsole {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const config = loadConfig({ HOIST_DATA_DIR: dataDir, HOIST_LOG_LEVEL: "debug", ...env });
  const deps = createDeps(config, { logDestination: sink });
  const app = createApp(deps);
  return {
    deps,
    app,
    dataDir,
    logs,
    databaseBytes: () =>
      Buffer.concat(
        ["hoist.db", "hoist.db-wal"].filter((f) => fs.existsSync(path.join(dataDir, f))).map((f) => fs.readFileSync(path.join(dataDir, f))),
      ),
    client: (address?: string) => new WebClient(app, address),
    stop: () => deps.close(),
    close: () => {
      deps.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

/** A browser-like client: keeps cookies, echoes the page's CSRF token on posts, never follows redirects. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  csrf = "";
  readonly origin = "http://localhost";

  constructor(
    private readonly app: TestConsole["app"],
    private readonly address?: string,
  ) {}

  async request(method: string, url: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    // What @hono/node-server's getConnInfo reads the peer address from.
    const env = this.address ? { incoming: { socket: { remoteAddress: this.address } } } : undefined;
    const res = await this.app.request(new URL(url, this.origin).toString(), { method, body: init.body, headers }, env);
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [k, ...v] = pair!.split("=");
      const value = v.join("=");
      if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(k!.trim());
      else this.cookies.set(k!.trim(), value);
    }
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  get(url: string) {
    return this.request("GET", url);
  }

  /** Posts a form as the browser would: same Origin, the current CSRF token (unless given). */
  async post(url: string, fields: Record<string, string>, opts: { csrf?: string | null; origin?: string; headers?: Record<string, string> } = {}) {
    if (!this.csrf && opts.csrf === undefined) await this.get("/login");
    const body = new URLSearchParams(fields);
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (csrf !== null) body.set("_csrf", csrf);
    return this.request("POST", url, {
      body: body.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: opts.origin ?? this.origin, ...opts.headers },
    });
  }
}

export const ADMIN = { name: "Ada Admin", email: "ada@example.com", password: "correct horse battery staple" };

/** The one-time setup code, read where an operator finds it: the data folder. */
export function setupCode(dataDir: string): string {
  return fs.readFileSync(path.join(dataDir, SETUP_CODE_FILE), "utf8").trim();
}

/** Creates the first admin through /setup with the setup code; the client is then signed in as them. */
export async function setupAdmin(t: TestConsole): Promise<WebClient> {
  const web = t.client();
  await web.get("/setup");
  const res = await web.post("/setup", { ...ADMIN, setupCode: setupCode(t.dataDir) });
  if (res.status !== 303) throw new Error(`setup failed: ${res.status} ${res.text.slice(0, 300)}`);
  await web.get("/nodes");
  return web;
}

/** Invites a user with `role` as the admin, accepts the invitation, and returns their signed-in client. */
export async function addUser(t: TestConsole, admin: WebClient, role: "admin" | "operator" | "viewer", email: string): Promise<WebClient> {
  await admin.get("/users");
  const invite = await admin.post("/users", { name: email.split("@")[0]!, email, role });
  const link = /\/invite\/([A-Za-z0-9_-]{43})/.exec(invite.text)?.[1];
  if (!link) throw new Error(`invite failed: ${invite.status}`);
  const web = t.client();
  await web.get(`/invite/${link}`);
  const res = await web.post(`/invite/${link}`, { password: `${email} password!` });
  if (res.status !== 303) throw new Error(`accepting the invitation failed: ${res.status}`);
  await web.get("/nodes");
  return web;
}

/** An API token for the signed-in user of `web`. */
export async function apiToken(web: WebClient, name = "tests"): Promise<string> {
  await web.get("/settings/tokens");
  const res = await web.post("/settings/tokens", { name });
  const token = /hoist_[A-Za-z0-9_-]{43}/.exec(res.text)?.[0];
  if (!token) throw new Error(`token creation failed: ${res.status}`);
  return token;
}

/** JSON API calls with a bearer token. */
export function api(t: TestConsole, token: string) {
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.app.request(`http://localhost/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: <T = any>() => JSON.parse(text) as T };
  };
  return {
    /** The Authorization header value, for raw requests. */
    token: `Bearer ${token}`,
    get: (url: string) => call("GET", url),
    post: (url: string, body?: unknown) => call("POST", url, body ?? {}),
    patch: (url: string, body: unknown) => call("PATCH", url, body),
    put: (url: string, body: unknown) => call("PUT", url, body),
    delete: (url: string, body?: unknown) => call("DELETE", url, body),
  };
}
