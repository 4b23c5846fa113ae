// Picks which queued operations run: at most `limit` at once, at most one per stack, and per stack
// in the order they were asked for.
import type { Operation } from "../state/operations.ts";

/** The queued operations that may start now, oldest first. */
export function runnable(queued: Operation[], running: Operation[], limit: number): Operation[] {
  const busy = new Set(running.map((o) => o.stack));
  const out: Operation[] = [];
  let free = limit - running.length;
  for (const op of queued) {
    if (free <= 0) break;
    // An older queued operation of the same stack goes first; so does a running one.
    if (busy.has(op.stack)) continue;
    busy.add(op.stack);
    out.push(op);
    free--;
  }
  return out;
}
