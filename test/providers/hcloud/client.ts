// A Hetzner Cloud API client that sends what hcloud-go sends: bearer token, JSON, query keys in
// alphabetical order, retries with backoff on conflict / rate limit / gateway errors, pagination
// by next_page, lookups by id-or-name, and action polling through `GET /actions?id=…`.
import { exponentialBackoff, type Backoff, type HcloudConfig } from "./config.ts";
import { ActionFailedError, HcloudError, HcloudStatusError, ProviderError } from "./errors.ts";

export interface Action {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  error: { code: string; message: string } | null;
}

type Query = Record<string, string | number | boolean | (string | number)[] | undefined>;

const RETRIED_CODES = new Set(["conflict", "rate_limit_exceeded", "bad_gateway", "timeout"]);
const MAX_RETRIES = 5;
const USER_AGENT = "hcloud-terraform/1.66.1 hcloud-go/2.44.0";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Go's url.Values.Encode: keys sorted, repeated keys in the order given. */
export function encodeQuery(query: Query): string {
  const pairs: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const v = query[key];
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item))}`);
  }
  return pairs.join("&");
}

export class HcloudClient {
  readonly #retryBackoff: Backoff;

  constructor(
    private readonly config: HcloudConfig,
    retryBackoff: Backoff = exponentialBackoff(1000, 2, 60_000),
  ) {
    this.#retryBackoff = retryBackoff;
  }

  /** One API call; the parsed body, or undefined for 204. Throws HcloudError for error answers. */
  async request<T = any>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    const qs = opts.query ? encodeQuery(opts.query) : "";
    const url = `${this.config.endpoint}${path}${qs ? `?${qs}` : ""}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once<T>(method, url, opts.body);
      } catch (err) {
        if (attempt >= MAX_RETRIES || !retryable(err)) throw err;
        await sleep(this.#retryBackoff(attempt));
      }
    }
  }

  async #once<T>(method: string, url: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.token}`, "User-Agent": USER_AGENT, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const json = res.headers.get("content-type")?.startsWith("application/json") && text ? JSON.parse(text) : undefined;
    if (res.status >= 400) {
      if (json?.error?.code) {
        throw new HcloudError(json.error.code, json.error.message, json.error.details ?? null, res.status, res.headers.get("x-correlation-id") ?? undefined);
      }
      throw new HcloudStatusError(res.status);
    }
    return json as T;
  }

  /** Every item of a paginated list (hcloud-go's All: 50 a page), following `meta.pagination.next_page`. */
  async all<T>(collection: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    for (let page: number | null = 1; page; ) {
      const res: any = await this.request("GET", `/${collection}`, { query: { ...query, page, per_page: 50 } });
      out.push(...(res[collection] as T[]));
      page = res.meta?.pagination?.next_page ?? null;
    }
    return out;
  }

  /** hcloud-go's GetByID: the resource, or undefined when the API says not_found. */
  async getById<T>(collection: string, key: string, id: string | number): Promise<T | undefined> {
    try {
      return (await this.request("GET", `/${collection}/${id}`))[key] as T;
    } catch (err) {
      if (err instanceof HcloudError && err.code === "not_found") return undefined;
      throw err;
    }
  }

  /** hcloud-go's GetByName: `?name=` without paging options, first match. */
  async getByName<T>(collection: string, name: string, extra: Query = {}): Promise<T | undefined> {
    if (!name) return undefined;
    const res = await this.request("GET", `/${collection}`, { query: { ...extra, name } });
    return (res[collection] as T[])[0];
  }

  /** hcloud-go's Get(idOrName): by id when numeric, falling back to the name on not_found. */
  async get<T>(collection: string, key: string, idOrName: string): Promise<T | undefined> {
    if (/^\d+$/.test(idOrName)) {
      const found = await this.getById<T>(collection, key, idOrName);
      if (found) return found;
    }
    return this.getByName<T>(collection, idOrName);
  }

  /**
   * Waits until every action has finished, polling the running ones with the configured backoff;
   * throws the first failed action's error. Finished actions are never polled.
   */
  async waitFor(...actions: (Action | null | undefined)[]): Promise<void> {
    const running = new Set<number>();
    const failures: ActionFailedError[] = [];
    const settle = (a: Action) => {
      if (a.status === "running") return running.add(a.id);
      running.delete(a.id);
      if (a.status === "error") failures.push(new ActionFailedError(a.error?.code ?? "action_failed", a.error?.message ?? "action failed", a.id));
    };
    for (const a of actions) if (a) settle(a);
    for (let retries = 0; running.size && !failures.length; retries++) {
      await sleep(this.config.pollBackoff(retries));
      const ids = [...running];
      for (let i = 0; i < ids.length; i += 25) {
        const chunk = ids.slice(i, i + 25);
        const updates = await this.#actionsPage(chunk);
        const missing = chunk.filter((id) => !updates.some((u) => u.id === id));
        if (missing.length) throw new ProviderError(`actions not found: [${missing.join(" ")}]`);
        updates.forEach(settle);
      }
    }
    if (failures.length) throw failures[0];
  }

  async #actionsPage(ids: number[]): Promise<Action[]> {
    const out: Action[] = [];
    for (let page: number | null = 1; page; ) {
      const res: any = await this.request("GET", "/actions", { query: { id: ids, page, sort: ["status", "id"] } });
      out.push(...res.actions);
      page = res.meta?.pagination?.next_page ?? null;
    }
    return out;
  }
}

function retryable(err: unknown): boolean {
  if (err instanceof HcloudError) return RETRIED_CODES.has(err.code);
  if (err instanceof HcloudStatusError) return err.status === 502 || err.status === 504;
  return false;
}
