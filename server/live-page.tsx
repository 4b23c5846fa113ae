// A page that follows its subject's operations live (a server, a deployment): the page itself,
// the poll that answers 204 while nothing changed, and the SSE stream of the operation it shows,
// each for any subject that says how to load it, list its operations and render its body.
import type { Context, Hono } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { HoistEvent } from "../engine/events.ts";
import { eventPages, findOperation, lastEventSeq, type Operation } from "../state/operations.ts";
import { finishedOperationStatuses } from "../state/statuses.ts";
import { foldLive, type Live } from "../views/operation-live.ts";
import type { LiveLook } from "../views/operation-view.tsx";
import type { Deps, Env } from "./env.ts";
import { NotFoundError } from "./errors.ts";
import { pageStream, pollUrl, streamUrl, type PageCursor } from "./live-frames.tsx";
import { streamOperation } from "./operation-stream.ts";
import { actorOf } from "./render.ts";

/** The operation the page follows, and how the page keeps up with it. */
export interface LiveState {
  op?: Operation;
  live?: Live;
  running: boolean;
  /** The operator chose an older operation to look at. */
  pinned: boolean;
  history: Operation[];
  streamUrl?: string;
  pollUrl: string;
  pollSeconds: number;
}

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface LiveSubject<S> {
  /** The page's path for subject `id`. */
  base(id: string): string;
  /** The subject, or NotFound when the actor may not see it. */
  load(c: Context<Env>, id: string): S;
  id(s: S): string;
  operations(s: S): Operation[];
  /** Whether `op` is one of the subject's. */
  owns(s: S, op: Operation): boolean;
  /** A digest of what the page shows besides the operation (status, node, error): polling compares it. */
  version(s: S): string;
  busy(s: S): boolean;
  /** Whether the subject can change any more (a destroyed server cannot: nothing to poll for). */
  final(s: S): boolean;
  /** How the stream draws it; a server's look when absent. */
  look?: LiveLook;
  page(c: Context<Env>, s: S, state: LiveState): Html;
  body(c: Context<Env>, s: S, state: LiveState): Html;
}

const stored = (e: { seq: number; at: Date; payload: Record<string, unknown> }) => ({ seq: e.seq, at: e.at, event: e.payload as unknown as HoistEvent });

/** The operation's stored events up to `upTo`, a page at a time, as the page folds them. */
function* storedPages(deps: Deps, operationId: string, upTo?: number) {
  for (const page of eventPages(deps.db, operationId, 0, upTo)) yield page.map(stored);
}

/** The operation the page follows: the one running, else the newest. */
const currentOf = (ops: Operation[]) => ops.find((o) => o.status === "running") ?? ops[0];

function operationOf<S>(subject: LiveSubject<S>, deps: Deps, s: S, id: string): Operation {
  const op = findOperation(deps.db, id);
  if (!op || !subject.owns(s, op)) throw new NotFoundError("operation");
  return op;
}

export function liveState<S>(subject: LiveSubject<S>, deps: Deps, s: S, opId?: string): LiveState {
  const history = subject.operations(s);
  const pinned = opId ? operationOf(subject, deps, s, opId) : undefined;
  const op = pinned ?? currentOf(history);
  const running = !!op && !finishedOperationStatuses.includes(op.status);
  const live = op ? foldLive(op.kind, storedPages(deps, op.id), op.status, subject.look?.statusLabel) : undefined;
  const every = subject.busy(s) ? 3 : 15;
  const cursor: PageCursor = { base: subject.base(subject.id(s)), operationId: op?.id ?? "", version: subject.version(s), pinned: !!pinned, every };
  return { op, live, running, pinned: !!pinned, history, streamUrl: running && live ? streamUrl(cursor, live.seq) : undefined, pollUrl: pollUrl(cursor, live?.seq ?? 0), pollSeconds: every };
}

/** GET /:id (the page), /:id/poll and /:id/events for `subject`. */
export function liveRoutes<S>(app: Hono<Env>, deps: Deps, subject: LiveSubject<S>): void {
  app.get("/:id", (c) => {
    const s = subject.load(c, c.req.param("id"));
    return c.html(subject.page(c, s, liveState(subject, deps, s, c.req.query("op"))));
  });

  // The page asks every few seconds; 204 when it shows what is current (htmx then keeps it).
  app.get("/:id/poll", (c) => {
    const s = subject.load(c, c.req.param("id"));
    const q = c.req.query();
    const pinned = q.pin === "1" ? q.op : undefined;
    if (q.force !== "1") {
      const op = pinned ? operationOf(subject, deps, s, pinned) : currentOf(subject.operations(s));
      const same = (op?.id ?? "") === q.op && (op ? lastEventSeq(deps.db, op.id) : 0) === Number(q.after) && subject.version(s) === q.v;
      if (same) return c.body(null, 204);
    }
    return c.html(subject.body(c, s, liveState(subject, deps, s, pinned)));
  });

  app.get("/:id/events", (c) => {
    actorOf(c);
    const s = subject.load(c, c.req.param("id"));
    const op = operationOf(subject, deps, s, c.req.query("op") ?? "");
    const lastId = c.req.header("last-event-id");
    const after = Number(lastId ?? c.req.query("after") ?? 0) || 0;
    const live = foldLive(op.kind, storedPages(deps, op.id, after), undefined, subject.look?.statusLabel);
    const cursor: PageCursor = { base: subject.base(subject.id(s)), operationId: op.id, version: c.req.query("v") ?? "", pinned: c.req.query("pin") === "1", every: 3 };
    return streamOperation(c, deps, op.id, after, pageStream(live, cursor, lastId !== undefined, subject.look));
  });
}
