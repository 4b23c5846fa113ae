// Picks which queued operations run: at most `limit` at once, at most one per stack and per stack
// in the order they were asked for, and fairly between users: each free slot goes to the user
// with the fewest operations running (the one waiting longest among equals), so one user's
// thirty creates never starve everyone else.
import type { Operation } from "../state/operations.ts";

/** Operations with no user (the system's own) share one turn. */
const ownerOf = (op: Operation) => op.userId ?? "";

/** The queued operations (oldest first) that may start now, in the order to start them. */
export function runnable(queued: Operation[], running: Operation[], limit: number): Operation[] {
  const busy = new Set(running.map((o) => o.stack));
  const load = new Map<string, number>();
  for (const op of running) load.set(ownerOf(op), (load.get(ownerOf(op)) ?? 0) + 1);
  // Only the oldest queued operation of a stack may start, and only while nothing runs on it.
  const head = new Map<string, Operation>();
  for (const op of queued) if (!head.has(op.stack)) head.set(op.stack, op);
  const waiting = new Map<string, Operation[]>();
  for (const op of queued) {
    if (head.get(op.stack) !== op || busy.has(op.stack)) continue;
    waiting.set(ownerOf(op), [...(waiting.get(ownerOf(op)) ?? []), op]);
  }
  const age = new Map(queued.map((op, i) => [op, i] as const));
  const out: Operation[] = [];
  for (let free = limit - running.length; free > 0 && waiting.size > 0; free--) {
    let pick: string | undefined;
    for (const [user, ops] of waiting) {
      if (pick === undefined) {
        pick = user;
        continue;
      }
      const [a, b] = [load.get(user) ?? 0, load.get(pick) ?? 0];
      if (a < b || (a === b && age.get(ops[0]!)! < age.get(waiting.get(pick)![0]!)!)) pick = user;
    }
    const ops = waiting.get(pick!)!;
    out.push(ops.shift()!);
    load.set(pick!, (load.get(pick!) ?? 0) + 1);
    if (ops.length === 0) waiting.delete(pick!);
  }
  return out;
}
