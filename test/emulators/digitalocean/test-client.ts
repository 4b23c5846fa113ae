// A bare HTTP client for the emulator's conformance tests: raw status, headers and JSON, so the
// tests see exactly what a DigitalOcean client would.
import type { DigitalOceanEmulator } from "./emulator.ts";

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export function apiClient(emu: DigitalOceanEmulator, token = emu.token) {
  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(emu.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }
  return {
    call,
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown = {}) => call("POST", path, body),
    put: (path: string, body: unknown) => call("PUT", path, body),
    del: (path: string, body?: unknown) => call("DELETE", path, body),
    /** Polls GET /v2/actions/:id until the action is no longer in progress; returns it. */
    async settle(actionId: number, timeoutMs = 15_000): Promise<any> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await call("GET", `/v2/actions/${actionId}`);
        if (body.action.status !== "in-progress") return body.action;
        if (Date.now() > until) throw new Error(`action ${actionId} still in progress after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    /** Polls a droplet until its status is `status`. */
    async until(dropletId: number, status: string, timeoutMs = 15_000): Promise<any> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await call("GET", `/v2/droplets/${dropletId}`);
        if (body.droplet.status === status) return body.droplet;
        if (Date.now() > until) throw new Error(`droplet ${dropletId} is ${body.droplet.status}, not ${status}, after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
