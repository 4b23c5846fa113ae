// A live page's stream (a server's, a deployment's): each engine event becomes an HTML fragment that htmx's SSE
// extension swaps into the page (steps, progress, status badge, a log line), and a status
// change or the operation's end asks the page to fetch its body again (its buttons change).
import { LiveFrame, type LiveLook } from "../views/operation-view.tsx";
import { applyEvent, type Live } from "../views/operation-live.ts";
import type { OperationStreamFormat, SseMessage, StreamedEvent } from "./operation-stream.ts";

/** What the page's URLs carry so that polling can tell whether anything changed. */
export interface PageCursor {
  /** The page's own path (`/nodes/cloud/<id>`, `/deployments/<id>`): its poll and stream are below it. */
  base: string;
  operationId: string;
  /** A digest of what the page shows besides the operation (status, node, error). */
  version: string;
  /** The operation was chosen by the operator (an older one), not the current one. */
  pinned?: boolean;
  /** Seconds between polls. */
  every: number;
}

const params = (c: PageCursor, after: number) =>
  new URLSearchParams({ op: c.operationId, after: String(after), v: c.version, ...(c.pinned && { pin: "1" }) }).toString();

export const pollUrl = (c: PageCursor, after: number) => `${c.base}/poll?${params(c, after)}`;
export const streamUrl = (c: PageCursor, after: number) => `${c.base}/events?${params(c, after)}`;

// EventSource drops messages whose data is empty, so the signals carry a word.
const refresh = (id: number): SseMessage => ({ id: String(id), event: "refresh", data: "refresh" });

/**
 * `live` holds the page's state up to the point the stream resumes from. A resumed connection
 * (Last-Event-ID) gets each missed event as its own fragment; a fresh one that finds events the
 * page does not show gets a catch-up frame per page of them, each replacing the whole log, so
 * that the extension's own reconnects (which cannot send Last-Event-ID) never show a line twice.
 */
export function pageStream(live: Live, cursor: PageCursor, resumed: boolean, look?: LiveLook): OperationStreamFormat {
  const frame = (seq: number, opts: { lines?: ReturnType<typeof applyEvent>[]; status: boolean; steps: boolean }): SseMessage => ({
    id: String(seq),
    event: "frame",
    data: (
      <LiveFrame live={live} lines={opts.lines?.filter((l) => l !== undefined)} status={opts.status} steps={opts.steps} poller={{ url: pollUrl(cursor, seq), seconds: cursor.every }} look={look} />
    ).toString(),
  });
  const one = (e: StreamedEvent): SseMessage[] => {
    const line = applyEvent(live, e);
    const status = e.event.type === "status";
    const out = [frame(e.seq, { lines: [line], status, steps: e.event.type === "resource" })];
    return status ? [...out, refresh(e.seq)] : out;
  };
  return {
    replay(events) {
      if (events.length === 0) return [];
      if (resumed) return events.flatMap(one);
      for (const e of events) applyEvent(live, e);
      const status = events.some((e) => e.event.type === "status");
      const out = [frame(live.seq, { status, steps: true })];
      return status ? [...out, refresh(live.seq)] : out;
    },
    live: one,
    end: () => [refresh(live.seq), { event: "end", data: "end" }],
  };
}
