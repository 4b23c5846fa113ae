// The few DigitalOcean API v2 calls Hoist makes itself (the Pulumi provider makes the rest):
// catalog reads, power actions, and finding a server's resources by its Hoist tag.
import type { CloudCredential } from "./cloud.ts";
import { requestJson } from "./http.ts";

/** The API's host root: paths are `/v2/…` below it. */
export const defaultEndpoint = "https://api.digitalocean.com";

const parseError = (body: unknown) => {
  const e = body as { id?: string; message?: string } | undefined;
  return { code: e?.id, message: e?.message };
};

export interface Action {
  id: number;
  status: "in-progress" | "completed" | "errored";
  type: string;
}

export class DigitalOceanActionError extends Error {
  override name = "DigitalOceanActionError";
}

interface Page {
  links?: { pages?: { next?: string } };
}

export function digitalOceanApi(cred: CloudCredential, signal?: AbortSignal) {
  const base = cred.endpoint ?? defaultEndpoint;
  const call = <T>(method: "GET" | "POST", pathOrUrl: string, body?: unknown) =>
    requestJson<T>({
      url: pathOrUrl.startsWith("http") ? pathOrUrl : `${base}${pathOrUrl}`,
      token: cred.secret.reveal().token ?? "",
      method,
      body,
      signal,
      parseError,
    });

  return {
    get: <T>(path: string) => call<T>("GET", path),

    /** Every page of a list endpoint (`key` is the list's field), following `links.pages.next`. */
    async all<T>(path: string, key: string): Promise<T[]> {
      const out: T[] = [];
      let next: string | undefined = `${path}${path.includes("?") ? "&" : "?"}per_page=200`;
      while (next) {
        const res: Record<string, unknown> & Page = await call<Record<string, unknown> & Page>("GET", next);
        out.push(...((res[key] as T[] | undefined) ?? []));
        next = res.links?.pages?.next;
      }
      return out;
    },

    /** Runs a droplet action and waits for it; an errored action throws. */
    async act(dropletId: string, type: string, timeoutMs = 300_000): Promise<void> {
      let action = (await call<{ action: Action }>("POST", `/v2/droplets/${encodeURIComponent(dropletId)}/actions`, { type })).action;
      const until = Date.now() + timeoutMs;
      while (action.status === "in-progress") {
        if (Date.now() > until) throw new DigitalOceanActionError(`the ${type} action ${action.id} did not finish in time`);
        await new Promise((r) => setTimeout(r, 1000));
        action = (await call<{ action: Action }>("GET", `/v2/actions/${action.id}`)).action;
      }
      if (action.status === "errored") throw new DigitalOceanActionError(`the ${type} action ${action.id} errored at DigitalOcean`);
    },
  };
}
