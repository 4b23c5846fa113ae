// The few Hetzner Cloud API calls Hoist makes itself (the Pulumi provider makes the rest):
// catalog reads, power actions, and finding resources by name.
import type { CloudCredential } from "./cloud.ts";
import { requestJson } from "./http.ts";

export const defaultEndpoint = "https://api.hetzner.cloud/v1";

const parseError = (body: unknown) => {
  const e = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return { code: e?.code, message: e?.message };
};

export interface Action {
  id: number;
  status: "running" | "success" | "error";
  error: { code: string; message: string } | null;
}

export class HetznerActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${message} (${code})`);
    this.name = "HetznerActionError";
  }
}

export function hetznerApi(cred: CloudCredential, signal?: AbortSignal) {
  const base = cred.endpoint ?? defaultEndpoint;
  const call = <T>(method: "GET" | "POST", path: string, body?: unknown) =>
    requestJson<T>({ url: `${base}${path}`, token: cred.secret.reveal().token ?? "", method, body, signal, parseError });

  return {
    get: <T>(path: string) => call<T>("GET", path),
    post: <T>(path: string, body: unknown) => call<T>("POST", path, body),

    /** Every page of a list endpoint (`key` is the list's field). */
    async all<T>(path: string, key: string): Promise<T[]> {
      const out: T[] = [];
      for (let page = 1; page; ) {
        const sep = path.includes("?") ? "&" : "?";
        const res = await call<Record<string, unknown> & { meta?: { pagination?: { next_page: number | null } } }>("GET", `${path}${sep}page=${page}&per_page=50`);
        out.push(...((res[key] as T[]) ?? []));
        page = res.meta?.pagination?.next_page ?? 0;
      }
      return out;
    },

    /** Waits for an action to finish; a failed action throws with Hetzner's code and message. */
    async wait(action: Action, timeoutMs = 300_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      let current = action;
      while (current.status === "running") {
        if (Date.now() > until) throw new HetznerActionError("timeout", `action ${action.id} did not finish in time`);
        await new Promise((r) => setTimeout(r, 500));
        current = (await call<{ action: Action }>("GET", `/actions/${action.id}`)).action;
      }
      if (current.status === "error") throw new HetznerActionError(current.error?.code ?? "action_failed", current.error?.message ?? "action failed");
    },
  };
}
