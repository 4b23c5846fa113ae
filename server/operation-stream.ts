// An operation's events as Server-Sent Events: the stored ones after `after`, then live ones as
// the engine records them, until the operation is finished. What each event becomes on the wire
// is the caller's (HTML fragments for the server page); the SSE id is always the event's
// sequence, so a reconnecting browser resumes with Last-Event-ID where it left off.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { HoistEvent } from "../engine/events.ts";
import { eventPages, findOperation } from "../state/operations.ts";
import { finishedOperationStatuses } from "../state/statuses.ts";
import type { Deps, Env } from "./env.ts";
import { RateLimitedError } from "./errors.ts";

export interface StreamedEvent {
  seq: number;
  at: Date;
  event: HoistEvent;
}

export interface SseMessage {
  id?: string;
  event?: string;
  data: string | Promise<string>;
}

export interface OperationStreamFormat {
  /** A page of the stored events after `after`, sent on connecting (once per page, in order). */
  replay(events: StreamedEvent[]): SseMessage[];
  /** One event recorded while the stream is open. */
  live(event: StreamedEvent): SseMessage[];
  /** Sent after the last event of a finished operation, before the stream closes. */
  end(): SseMessage[];
}

const KEEPALIVE_MS = 15_000;

export function streamOperation(c: Context<Env>, deps: Deps, operationId: string, after: number, format: OperationStreamFormat) {
  const actor = c.get("actor");
  if (!actor) throw new Error("a stream needs a signed-in actor");
  let wake: (() => void) | undefined;
  // Closed from outside (sign-out, a role change, a revoked token): no end message, so the
  // browser reconnects and is checked again.
  let closed = false;
  const release = deps.streams.open({ userId: actor.user.id, sessionId: actor.sessionId, tokenId: actor.tokenId }, () => {
    closed = true;
    wake?.();
  });
  if (!release) {
    throw new RateLimitedError(`You have ${deps.streams.perUser} live streams open, the most Hoist keeps per user; close one (pages refresh themselves without one).`, 15);
  }
  return streamSSE(c, async (stream) => {
    const queue: StreamedEvent[] = [];
    // Subscribe before reading the stored events, so nothing falls between the two.
    const unsubscribe = deps.engine.bus.subscribe(operationId, (e) => {
      queue.push({ seq: e.seq, at: e.at, event: e.event });
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      wake?.(); // the browser went away: release its place at once, not at the next keep-alive
    });
    const send = async (messages: SseMessage[]) => {
      for (const m of messages) await stream.writeSSE({ id: m.id, event: m.event, data: await m.data });
    };
    try {
      // The stored events a page at a time (an operation may have hundreds of thousands).
      let last = after;
      for (const page of eventPages(deps.db, operationId, after)) {
        if (stream.aborted || closed) return;
        await send(format.replay(page.map((e) => ({ seq: e.seq, at: e.at, event: e.payload as unknown as HoistEvent }))));
        last = page.at(-1)!.seq;
      }
      const finished = () => finishedOperationStatuses.includes(findOperation(deps.db, operationId)?.status ?? "failed");
      // The operation's row is read again only when it may have finished: after an operation
      // event (the engine records one as it finishes it) or a quiet keep-alive period, not after
      // every step, which with many watchers would be a query per event per watcher.
      let mayHaveFinished = true;
      while (!stream.aborted && !closed) {
        while (queue.length) {
          const e = queue.shift()!;
          if (e.seq <= last) continue;
          if (e.event.type === "operation") mayHaveFinished = true;
          await send(format.live(e));
          last = e.seq;
        }
        // An event recorded between draining the queue and this check is still sent: the
        // operation's last events are written before its status says finished.
        if (mayHaveFinished) {
          if (finished() && queue.length === 0) break;
          mayHaveFinished = queue.length > 0;
        }
        const quiet = await new Promise<boolean>((resolve) => {
          wake = () => resolve(false);
          setTimeout(() => resolve(true), KEEPALIVE_MS).unref();
        });
        wake = undefined;
        if (quiet) mayHaveFinished = true;
        if (queue.length === 0 && !stream.aborted && !closed) await stream.write(": keep-alive\n\n");
      }
      if (!stream.aborted && !closed) await send(format.end());
    } finally {
      unsubscribe();
      release();
    }
  });
}
