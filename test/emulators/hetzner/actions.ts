// Hetzner actions: every asynchronous change (create, power, resize, delete, firewall rules) is an
// action that runs for a while and then ends in success or error. Clients poll them, so an action
// here really runs: `running` with growing progress, then its effect happens and it finishes.
import { now } from "./http.ts";

export type ActionStatus = "running" | "success" | "error";

export interface ActionRecord {
  id: number;
  command: string;
  status: ActionStatus;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
  /** When the clock started (ms) and how long the action takes: progress derives from them. */
  startedAt: number;
  durationMs: number;
}

export interface ActionError {
  code: string;
  message: string;
}

export function actionJson(a: ActionRecord) {
  const elapsed = Date.now() - a.startedAt;
  const progress = a.status !== "running" ? 100 : Math.min(99, Math.floor((elapsed / Math.max(1, a.durationMs)) * 100));
  return {
    id: a.id,
    command: a.command,
    status: a.status,
    progress,
    started: a.started,
    finished: a.finished,
    resources: a.resources,
    error: a.error,
  };
}

/** Runs actions on timers, and on close() cancels the timers and waits for effects under way. */
export class ActionRunner {
  /** Pending clocks, each with the resolver of its run() so close() can settle it. */
  readonly #timers = new Map<NodeJS.Timeout, (ok: boolean) => void>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(
    private readonly store: Map<number, ActionRecord>,
    private readonly nextId: () => number,
    /** How long the next action of this command takes (the slow-actions fault lengthens it). */
    private readonly duration: (command: string) => number,
    /** Called when an action ends (its effect has happened): the state changed. */
    private readonly onFinish: () => void = () => {},
  ) {}

  /** A new running action on these resources. Its clock starts with run(). */
  create(command: string, resources: { id: number; type: string }[]): ActionRecord {
    const action: ActionRecord = {
      id: this.nextId(),
      command,
      status: "running",
      started: now(),
      finished: null,
      resources,
      error: null,
      startedAt: Date.now(),
      durationMs: 0,
    };
    this.store.set(action.id, action);
    return action;
  }

  /**
   * Lets `action` run for the action duration, then applies `effect` and marks it success. It ends
   * in error instead when `failWith` is given or the effect throws. Resolves to whether it succeeded.
   */
  run(action: ActionRecord, effect?: () => unknown, failWith?: ActionError): Promise<boolean> {
    action.durationMs = this.duration(action.command);
    action.startedAt = Date.now();
    const done = new Promise<boolean>((resolve) => {
      if (this.#closed) return resolve(false);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (failWith) {
          this.finish(action, failWith);
          return resolve(false);
        }
        Promise.resolve()
          .then(effect)
          .then(
            () => {
              this.finish(action);
              resolve(true);
            },
            (err: Error) => {
              this.finish(action, { code: "server_error", message: err.message });
              resolve(false);
            },
          );
      }, action.durationMs);
      this.#timers.set(timer, resolve);
    });
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
    return done;
  }

  /** Ends an action now: success, or error with `error`. */
  finish(action: ActionRecord, error?: ActionError): void {
    if (action.status !== "running") return;
    action.status = error ? "error" : "success";
    action.error = error ?? null;
    action.finished = now();
    this.onFinish();
  }

  /** Stops every pending timer and waits for effects that already began (a host starting, say). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [timer, resolve] of this.#timers) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }
}
