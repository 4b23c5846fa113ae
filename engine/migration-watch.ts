// Traffic through the gateway while a deployment moves: requests to its hostname, as its users
// send them, timed. A migration measures the response time before and after each move, and
// watches it during the switch: when it degrades past the thresholds the migration pauses itself.
import http from "node:http";
import type { GatewaySettings } from "../gateway/settings.ts";

export interface Probe {
  ok: boolean;
  ms: number;
  /** What failed ("HTTP 503", "socket hang up", …). */
  detail?: string;
}

/** One request for `hostname` through the gateway (its HTTP port); a 5xx or no answer is a failure. */
export function probeOnce(gw: Pick<GatewaySettings, "bind" | "httpPort">, hostname: string): Promise<Probe> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  return new Promise((resolve) => {
    const req = http.get({ host: gw.bind, port: gw.httpPort, path: "/", headers: { host: hostname, "user-agent": "hoist-migration-probe" }, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve((res.statusCode ?? 0) >= 500 ? { ok: false, ms: ms(), detail: `HTTP ${res.statusCode}` } : { ok: true, ms: ms() }));
      res.on("error", (err) => resolve({ ok: false, ms: ms(), detail: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", (err) => resolve({ ok: false, ms: ms(), detail: err.message }));
  });
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

/** The median response time of `count` requests in a row (failed ones included at their time). */
export async function measure(gw: Pick<GatewaySettings, "bind" | "httpPort">, hostname: string, count = 8): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push((await probeOnce(gw, hostname)).ms);
  return median(times);
}

export interface Thresholds {
  /** Added to the response time before the move. */
  slowMs: number;
  /** Failed requests among the last ten. */
  errors: number;
}

/** Requests sent every quarter second until stopped; `degraded()` says why traffic is worse than before, if it is. */
export class TrafficWatch {
  readonly #recent: Probe[] = [];
  #stopped = false;
  #loop?: Promise<void>;

  constructor(
    private readonly gw: Pick<GatewaySettings, "bind" | "httpPort">,
    private readonly hostname: string,
    private readonly beforeMs: number,
    private readonly limits: Thresholds,
  ) {}

  start(): this {
    this.#loop = (async () => {
      while (!this.#stopped) {
        this.#recent.push(await probeOnce(this.gw, this.hostname));
        if (this.#recent.length > 10) this.#recent.shift();
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  /** Why traffic degraded, in words, or undefined while it holds. */
  degraded(): string | undefined {
    const failed = this.#recent.filter((p) => !p.ok);
    if (failed.length >= this.limits.errors) {
      return `${failed.length} of the last ${this.#recent.length} requests through the gateway failed (${failed.at(-1)!.detail}); the threshold is ${this.limits.errors}`;
    }
    const last = this.#recent.slice(-3);
    const now = median(last.map((p) => p.ms));
    if (last.length >= 3 && now > this.beforeMs + this.limits.slowMs) {
      return `the response time through the gateway rose to ${now} ms (${this.beforeMs} ms before the move), past the threshold of +${this.limits.slowMs} ms`;
    }
    return undefined;
  }
}
