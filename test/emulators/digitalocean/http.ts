// The DigitalOcean API's HTTP conventions: error bodies `{"id","message","request_id"}`,
// page-based pagination with absolute `links.pages` URLs and `meta.total`, and the
// `ratelimit-*` headers on every answer.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An API error answered in DigitalOcean's shape; thrown by handlers, rendered by onError. */
export class DoApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly id: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "DoApiError";
  }
}

// The messages the real API answers (see ../shared/reference/cloud-apis.md §2).
export const unauthorized = () => new DoApiError(401, "Unauthorized", "Unable to authenticate you");
export const notFound = () => new DoApiError(404, "not_found", "The resource you were accessing could not be found.");
export const unprocessable = (message: string) => new DoApiError(422, "unprocessable_entity", message);
export const badRequest = (message: string) => new DoApiError(400, "bad_request", message);
export const serverError = () => new DoApiError(500, "server_error", "Server was unable to give you a response.");

export const RATE_LIMIT = 5000;

/** Hourly request budget per token, reported the way the API does. */
export class RateWindow {
  #used = new Map<string, number>();
  #resetAt = 0;

  /** Counts one request and returns the headers to answer with. */
  headers(token: string, exhausted = false): Record<string, string> {
    const now = Math.floor(Date.now() / 1000);
    if (now >= this.#resetAt) {
      this.#used.clear();
      this.#resetAt = now + 3600;
    }
    const used = (this.#used.get(token) ?? 0) + 1;
    this.#used.set(token, used);
    const remaining = exhausted ? 0 : Math.max(0, RATE_LIMIT - used);
    return {
      "ratelimit-limit": String(RATE_LIMIT),
      "ratelimit-remaining": String(remaining),
      "ratelimit-reset": String(this.#resetAt),
    };
  }
}

const MAX_PER_PAGE = 200;
const DEFAULT_PER_PAGE = 20;

/** One page of `items` under `key`, with DigitalOcean's `links` and `meta`. */
export function paginate<T>(c: Context, key: string, items: T[]): Record<string, unknown> {
  const url = new URL(c.req.url);
  const perPage = clamp(Number(url.searchParams.get("per_page") ?? DEFAULT_PER_PAGE), 1, MAX_PER_PAGE, DEFAULT_PER_PAGE);
  const page = clamp(Number(url.searchParams.get("page") ?? 1), 1, Number.MAX_SAFE_INTEGER, 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const at = (n: number) => {
    const u = new URL(url);
    u.searchParams.set("page", String(n));
    u.searchParams.set("per_page", String(perPage));
    return u.toString();
  };
  const pages: Record<string, string> = {};
  if (page > 1) {
    pages.first = at(1);
    pages.prev = at(Math.min(page - 1, last));
  }
  if (page < last) {
    pages.next = at(page + 1);
    pages.last = at(last);
  }
  return {
    [key]: items.slice((page - 1) * perPage, page * perPage),
    links: Object.keys(pages).length ? { pages } : {},
    meta: { total: items.length },
  };
}

function clamp(n: number, min: number, max: number, fallback: number): number {
  if (!Number.isFinite(n) || !Number.isInteger(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}

/** Reads a JSON body; a malformed one is the API's 400. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    const body = JSON.parse(text);
    if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest("unexpected end of JSON input");
}
