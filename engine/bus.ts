// Every event of an operation is stored in order (its seq is the SSE id a page resumes from) and
// then handed to live subscribers.
import type { Db } from "../state/db.ts";
import { insertEvent, lastEventSeq } from "../state/operations.ts";
import type { HoistEvent } from "./events.ts";

export interface Recorded {
  operationId: string;
  seq: number;
  at: Date;
  event: HoistEvent;
}

type Listener = (e: Recorded) => void;

export class EventBus {
  readonly #seq = new Map<string, number>();
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(private readonly db: Db) {}

  /** Stores the event with the operation's next sequence number and publishes it. */
  record(operationId: string, event: HoistEvent): Recorded {
    const seq = (this.#seq.get(operationId) ?? lastEventSeq(this.db, operationId)) + 1;
    this.#seq.set(operationId, seq);
    const at = new Date();
    insertEvent(this.db, { operationId, seq, type: event.type, payload: event as unknown as Record<string, unknown>, at });
    const rec = { operationId, seq, at, event };
    for (const l of this.#listeners.get(operationId) ?? []) {
      try {
        l(rec);
      } catch {
        // a broken subscriber (a closed page) must not break the operation
      }
    }
    return rec;
  }

  /** Live events of one operation; returns the unsubscribe function. */
  subscribe(operationId: string, listener: Listener): () => void {
    const set = this.#listeners.get(operationId) ?? new Set();
    set.add(listener);
    this.#listeners.set(operationId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(operationId);
    };
  }

  /** Forgets an operation's counter once it is finished (its events stay stored). */
  finish(operationId: string): void {
    this.#seq.delete(operationId);
  }
}
