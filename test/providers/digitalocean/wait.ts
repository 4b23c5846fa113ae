// terraform-plugin-sdk's retry.StateChangeConf, which the official provider waits with: a first
// delay, then polls backing off from MinTimeout to 10 s, failing at once on a state that is
// neither pending nor target, with the SDK's error wording.

export interface StateChangeConf<T> {
  delayMs: number;
  minTimeoutMs: number;
  timeoutMs: number;
  pending: string[];
  target: string[];
  /** Returns the object (undefined = not found) and its current state; a throw ends the wait. */
  refresh: () => Promise<[T | undefined, string]>;
  /** How many "not found" answers in a row are tolerated (SDK default 20). */
  notFoundChecks?: number;
}

export class UnexpectedStateError extends Error {
  constructor(state: string, target: string[]) {
    // The SDK formats a nil LastError with %s, hence Go's `%!s(<nil>)`.
    super(`unexpected state '${state}', wanted target '${target.join(", ")}'. last error: %!s(<nil>)`);
    this.name = "UnexpectedStateError";
  }
}

export class WaitTimeoutError extends Error {
  constructor(target: string[], lastState: string, timeoutMs: number) {
    const expected = target.length ? `state to become '${target.join(", ")}'` : "resource to be gone";
    const extra = [lastState ? `last state: '${lastState}'` : "", `timeout: ${goDuration(timeoutMs)}`].filter(Boolean);
    super(`timeout while waiting for ${expected} (${extra.join(", ")})`);
    this.name = "WaitTimeoutError";
  }
}

export class NotFoundError extends Error {
  constructor(retries: number) {
    super(`couldn't find resource (${retries} retries)`);
    this.name = "NotFoundError";
  }
}

const MAX_WAIT_MS = 10_000;

export async function waitForState<T>(conf: StateChangeConf<T>): Promise<T | undefined> {
  const deadline = Date.now() + conf.timeoutMs;
  const notFoundChecks = conf.notFoundChecks ?? 20;
  let notFound = 0;
  let lastState = "";
  let wait = 0;
  if (!(await sleepBefore(conf.delayMs, deadline))) throw new WaitTimeoutError(conf.target, lastState, conf.timeoutMs);
  for (;;) {
    if (wait > 0 && !(await sleepBefore(wait, deadline))) throw new WaitTimeoutError(conf.target, lastState, conf.timeoutMs);
    const [found, state] = await conf.refresh();
    lastState = state;
    if (found === undefined) {
      if (conf.target.length === 0) return undefined;
      if (++notFound > notFoundChecks) throw new NotFoundError(notFound);
    } else {
      notFound = 0;
      if (conf.target.includes(state)) return found;
      if (conf.pending.length > 0 && !conf.pending.includes(state)) throw new UnexpectedStateError(state, conf.target);
    }
    wait = Math.min(MAX_WAIT_MS, Math.max(conf.minTimeoutMs, (wait || 100) * 2));
  }
}

/** Sleeps `ms` unless that passes the deadline; false when the deadline came first. */
async function sleepBefore(ms: number, deadline: number): Promise<boolean> {
  const left = deadline - Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, left))));
  return ms <= left;
}

/** Go's time.Duration.String() for whole seconds: 1h0m0s, 1m0s, 45s. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h}h${m}m${s % 60}s`;
  if (m) return `${m}m${s % 60}s`;
  return `${s}s`;
}
