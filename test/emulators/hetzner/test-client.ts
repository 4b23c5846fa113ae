// A bare HTTP client for the emulator's conformance tests: raw status, headers and JSON, no
// interpretation, so that the tests see exactly what a Hetzner client would.
import type { HetznerEmulator } from "./emulator.ts";

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export function apiClient(emu: HetznerEmulator, token = emu.token) {
  async function call(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Answer> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(emu.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), ...init });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }
  /** Polls an action until it is no longer running; returns its final JSON. */
  async function settle(actionId: number, timeoutMs = 15_000): Promise<any> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await call("GET", `/actions/${actionId}`);
      if (body.action.status !== "running") return body.action;
      if (Date.now() > until) throw new Error(`action ${actionId} still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  function expectStatus(res: Answer, status: number, what: string): Answer {
    if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  }

  return {
    call,
    settle,
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown = {}) => call("POST", path, body),
    put: (path: string, body: unknown) => call("PUT", path, body),
    del: (path: string) => call("DELETE", path),
    /** Creates a server (cx22, ubuntu-24.04, fsn1 unless given), waits for its actions, returns it. */
    async createServer(body: Record<string, unknown>): Promise<any> {
      const res = expectStatus(await call("POST", "/servers", { server_type: "cx22", image: "ubuntu-24.04", location: "fsn1", ...body }), 201, "create server");
      await settle(res.body.action.id);
      for (const a of res.body.next_actions) await settle(a.id);
      return (await call("GET", `/servers/${res.body.server.id}`)).body.server;
    },
    /** Runs a server action to its end; returns the finished action. */
    async serverAction(id: number, action: string, body: unknown = {}): Promise<any> {
      const res = expectStatus(await call("POST", `/servers/${id}/actions/${action}`, body), 201, action);
      return settle(res.body.action.id);
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
