// The long lists' query strings (Cloud Servers and Nodes now; deployments and drift reports
// next): filters, page size and cursor, validated with errors that name the field, and the
// links to the neighbouring pages, which keep the filters so that a reload or a shared link
// shows the same page. The pages and the JSON API read them alike.
import type { Context } from "hono";
import { z } from "zod";
import { clouds } from "../stacks/clouds.ts";
import type { Key, Page, PageRequest } from "../state/pages.ts";
import { parse } from "./actions/input.ts";
import { fieldMap, InvalidInputError } from "./errors.ts";

export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** A query parameter that names one of `values`; an empty one (a form's "any") is no filter. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const schema = z.enum(values, { error: `must be one of ${values.join(", ")}` }).optional();
  return z.preprocess((v) => (v === "" ? undefined : v), schema);
}

/** A search text: trimmed, at most 64 characters; an empty one is no filter. */
export const searchText = z.preprocess(
  (v) => (typeof v === "string" ? v.trim() || undefined : v),
  z.string().max(64, "must be at most 64 characters").optional(),
);

/** One of the clouds Hoist knows, by id. */
export const cloudFilter = oneOf(clouds.map((c) => c.id) as [string, ...string[]]);

/** The clouds as a filter offers them. */
export const cloudOptions = () => clouds.map((c) => ({ value: c.id, label: c.label }));

const limitParam = z.object({
  limit: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
      .default(PAGE_SIZE),
  ),
});

/** How a list's order key looks: its column's type, for telling a cursor of another list apart. */
export type KeyKind = "number" | "string";

/** A cursor as it travels in links: which side of which row, opaque to whoever holds it. */
export function encodeCursor(side: "after" | "before", key: Key): string {
  return Buffer.from(JSON.stringify([side === "after" ? "a" : "b", key[0], key[1]])).toString("base64url");
}

function decodeCursor(raw: string, kind: KeyKind): Pick<PageRequest, "after" | "before"> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 3 && (parsed[0] === "a" || parsed[0] === "b") && typeof parsed[1] === kind && typeof parsed[2] === "string") {
    const key: Key = [parsed[1] as string | number, parsed[2]];
    return parsed[0] === "a" ? { after: key } : { before: key };
  }
  throw new InvalidInputError([{ field: "cursor", message: "is not a cursor of this list; start again from its first page" }]);
}

export interface ListQuery<F> {
  filter: F;
  page: PageRequest;
  /** The filters as given (their query string form), for links that keep them. */
  params: Record<string, string>;
}

/**
 * Reads a list's query string: `filters` (a zod object of the list's own filters), `limit` and
 * `cursor`. Unknown parameters are ignored; a bad one is an InvalidInputError naming it.
 */
export function parseListQuery<F extends Record<string, unknown>>(filters: z.ZodType<F>, raw: Record<string, string | undefined>, kind: KeyKind): ListQuery<F> {
  const { cursor, limit, ...rest } = raw;
  const errors: InvalidInputError["fields"] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      errors.push(...err.fields);
      return undefined;
    }
  };
  const filter = attempt(() => parse(filters, rest));
  const size = attempt(() => parse(limitParam, { limit }).limit);
  const side = cursor ? attempt(() => decodeCursor(cursor, kind)) : {};
  if (errors.length || !filter || size === undefined || !side) throw new InvalidInputError(errors);
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) params[k] = String(v);
  if (size !== PAGE_SIZE) params.limit = String(size);
  return { filter, page: { limit: size, ...side }, params };
}

/** `path` with the list's filters and, for another page, its cursor. */
export function listHref(path: string, params: Record<string, string>, cursor?: string): string {
  const q = new URLSearchParams({ ...params, ...(cursor && { cursor }) }).toString();
  return q ? `${path}?${q}` : path;
}

/** The page controls' data: where this page sits in the list and the links to its neighbours. */
export interface PagerLinks {
  total: number;
  start: number;
  count: number;
  prevHref?: string;
  nextHref?: string;
  /** This very page again (for a list that refreshes itself). */
  selfHref: string;
}

/** The cursor this page was asked for with, if any. */
export const cursorOf = (q: ListQuery<unknown>) => (q.page.after ? encodeCursor("after", q.page.after) : q.page.before ? encodeCursor("before", q.page.before) : undefined);

export function pagerLinks<T>(path: string, q: ListQuery<unknown>, page: Page<T>, selfPath = path): PagerLinks {
  const here = cursorOf(q);
  return {
    total: page.total,
    start: page.start,
    count: page.rows.length,
    prevHref: page.prev && listHref(path, q.params, encodeCursor("before", page.prev)),
    nextHref: page.next && listHref(path, q.params, encodeCursor("after", page.next)),
    selfHref: listHref(selfPath, q.params, here),
  };
}

/** A page as the JSON API answers it: `next` and `prev` are the `cursor` of the neighbouring pages. */
export function pageJson<T>(page: Page<T>) {
  return {
    total: page.total,
    next: page.next ? encodeCursor("after", page.next) : null,
    prev: page.prev ? encodeCursor("before", page.prev) : null,
  };
}

/**
 * A list page's read: refused filters become the page's own errors (and its status 422), so the
 * operator sees the filter form with the field that is wrong, not an error page.
 */
export function readOrRefuse<T>(c: Context, read: () => T): { list?: T; errors?: Record<string, string> } {
  try {
    return { list: read() };
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    c.status(422);
    return { errors: fieldMap(err) };
  }
}

/** A list's filters as the query string gave them, to fill its form in again. */
export const givenFilters = (c: Context, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, c.req.query(n)]));
