// The Hetzner API's conventions shared by every route: its error body, pagination `meta`,
// label selectors and sorting.
import type { Context } from "hono";

/** An API error as Hetzner answers it: `{"error":{"code","message","details"}}` with its status. */
export class HetznerApiError extends Error {
  override name = "HetznerApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }

  body() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export const notFound = (kind: string, id: string | number) =>
  new HetznerApiError(404, "not_found", `${kind} with ID '${id}' not found`);

/** `invalid_input` names the field, and its details list the messages per field as the real API does. */
export function invalidInput(field: string, ...messages: string[]): HetznerApiError {
  return new HetznerApiError(400, "invalid_input", `invalid input in field '${field}'`, {
    fields: [{ name: field, messages }],
  });
}

/** The request body as JSON; a body that does not parse is Hetzner's `json_error`. */
export async function readBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HetznerApiError(400, "json_error", "unable to parse JSON body");
}

/** A list answer: one page of `items` under `key`, with `meta.pagination` (page from 1, per_page ≤ 50). */
export function paginated(c: Context, key: string, items: unknown[]) {
  const page = Math.max(1, intParam(c.req.query("page")) ?? 1);
  const perPage = Math.min(50, Math.max(1, intParam(c.req.query("per_page")) ?? 25));
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  return c.json({
    [key]: items.slice((page - 1) * perPage, page * perPage),
    meta: {
      pagination: {
        page,
        per_page: perPage,
        previous_page: page > 1 ? page - 1 : null,
        next_page: page < lastPage ? page + 1 : null,
        last_page: lastPage,
        total_entries: items.length,
      },
    },
  });
}

function intParam(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** A path id: Hetzner ids are positive integers; anything else is `invalid_input` on `id`. */
export function pathId(c: Context, name = "id"): number {
  const raw = c.req.param(name) ?? "";
  if (!/^\d+$/.test(raw)) throw invalidInput("id", "must be an integer");
  return Number(raw);
}

/**
 * Whether `labels` match a Hetzner label selector: comma-separated `k`, `!k`, `k=v`, `k==v`,
 * `k!=v`, `k in (a,b)`, `k notin (a,b)`.
 */
export function matchesSelector(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3]!.split(",").map((v) => v.trim());
      const has = m[1]! in labels && values.includes(labels[m[1]!]!);
      return m[2] === "in" ? has : !has;
    }
    if ((m = term.match(/^([^=!\s]+)\s*!=\s*(\S*)$/))) return labels[m[1]!] !== m[2];
    if ((m = term.match(/^([^=!\s]+)\s*==?\s*(\S*)$/))) return labels[m[1]!] === m[2];
    if ((m = term.match(/^!(\S+)$/))) return !(m[1]! in labels);
    return term in labels;
  });
}

/** Applies the API's `sort` query (repeatable, `field` or `field:asc|desc`) to a list. */
export function sortBy<T>(items: T[], sorts: string[] | undefined, get: (item: T, field: string) => unknown): T[] {
  if (!sorts?.length) return items;
  const keys = sorts.map((s) => {
    const [field, dir] = s.split(":");
    return { field: field!, sign: dir === "desc" ? -1 : 1 };
  });
  return [...items].sort((a, b) => {
    for (const { field, sign } of keys) {
      const x = get(a, field) as string | number | null;
      const y = get(b, field) as string | number | null;
      if (x === y) continue;
      if (x === null || x === undefined) return sign;
      if (y === null || y === undefined) return -sign;
      return (x < y ? -1 : 1) * sign;
    }
    return 0;
  });
}

/** Hetzner's label rules: keys and values up to 63 characters of `[a-z0-9A-Z._-]`, keys with an optional prefix. */
export function checkLabels(labels: unknown, field = "labels"): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== "object" || Array.isArray(labels)) throw invalidInput(field, "must be an object");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (!/^([a-z0-9A-Z.-]+\/)?[a-z0-9A-Z]([a-z0-9A-Z._-]{0,61}[a-z0-9A-Z])?$/.test(k)) throw invalidInput(field, `label key '${k}' is invalid`);
    if (typeof v !== "string" || !/^([a-z0-9A-Z]([a-z0-9A-Z._-]{0,61}[a-z0-9A-Z])?)?$/.test(v)) {
      throw invalidInput(field, `label value for '${k}' is invalid`);
    }
    out[k] = v;
  }
  return out;
}

export const now = () => new Date().toISOString().replace(/\.\d+Z$/, "+00:00");
