// Is an app up? Asked from Hoist's own side, as its users would reach it: an HTTP request to its
// health path, or a TCP connection to its port, retried until it answers or the time is up.
import net from "node:net";

export type HealthTarget = { http: { url: string; expect?: number[] } } | { tcp: { host: string; port: number } };

export interface Health {
  ok: boolean;
  /** What the last attempt saw: "HTTP 200", "connection refused", … */
  detail: string;
}

async function once(target: HealthTarget, signal: AbortSignal): Promise<Health> {
  if ("http" in target) {
    try {
      const res = await fetch(target.http.url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]), redirect: "manual" });
      await res.body?.cancel();
      const ok = target.http.expect ? target.http.expect.includes(res.status) : res.status >= 200 && res.status < 400;
      return { ok, detail: `HTTP ${res.status} from ${target.http.url}` };
    } catch (err) {
      const e = err as Error & { cause?: Error };
      return { ok: false, detail: `${target.http.url}: ${e.cause?.message ?? e.message}` };
    }
  }
  const { host, port } = target.tcp;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (h: Health) => {
      sock.destroy();
      resolve(h);
    };
    sock.setTimeout(5000, () => done({ ok: false, detail: `no answer from ${host}:${port} within 5 s` }));
    sock.once("connect", () => done({ ok: true, detail: `${host}:${port} accepts connections` }));
    sock.once("error", (err) => done({ ok: false, detail: `${host}:${port}: ${err.message}` }));
  });
}

/** Asks until healthy, every second, for at most `timeoutMs`; resolves with the last answer either way. */
export async function waitHealthy(target: HealthTarget, opts: { timeoutMs: number; signal: AbortSignal }): Promise<Health> {
  const until = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal.throwIfAborted();
    const h = await once(target, opts.signal);
    if (h.ok || Date.now() > until) return h;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
