// Terraform's retry.StateChangeConf: poll until the resource reaches a target state, fail at once
// on a state that is neither pending nor target, with the same error texts.
//
// Terraform waits 10 s before the first poll and at least 3 s between polls; the emulators settle
// in milliseconds, so the stand-in polls sooner (its one intended difference in timing).
export const POLL = { delayMs: 200, minIntervalMs: 200, maxIntervalMs: 2_000 };

export class UnexpectedStateError extends Error {
  override name = "UnexpectedStateError";
}

export class WaitTimeoutError extends Error {
  override name = "WaitTimeoutError";
}

export interface StateChange<T> {
  pending: string[];
  target: string[];
  /** The resource and its state now; `undefined` when it does not exist (state ""). */
  refresh(): Promise<{ value?: T; state: string; lastError?: string }>;
  timeoutMs: number;
}

export async function waitForState<T>(conf: StateChange<T>): Promise<T | undefined> {
  const started = Date.now();
  let interval = POLL.minIntervalMs;
  let notFound = 0;
  let last = "";
  await sleep(POLL.delayMs);
  for (;;) {
    const { value, state, lastError } = await conf.refresh();
    last = state;
    if (conf.target.includes(state)) return value;
    if (value === undefined && !conf.target.includes("")) {
      // Terraform tolerates a resource that is not visible yet for 20 polls.
      if (++notFound > 20) throw new UnexpectedStateError(`couldn't find resource (21 retries)`);
    } else if (!conf.pending.includes(state)) {
      const suffix = lastError ? `. last error: ${lastError}` : "";
      throw new UnexpectedStateError(`unexpected state '${state}', wanted target '${conf.target.join(", ")}'${suffix}`);
    }
    if (Date.now() - started > conf.timeoutMs) {
      throw new WaitTimeoutError(
        `timeout while waiting for state to become '${conf.target.join(", ")}' (last state: '${last}', timeout: ${goDuration(conf.timeoutMs)})`,
      );
    }
    await sleep(interval);
    interval = Math.min(interval * 2, POLL.maxIntervalMs);
  }
}

function goDuration(ms: number): string {
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m ? `${m}m${s}s` : `${s}s`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
