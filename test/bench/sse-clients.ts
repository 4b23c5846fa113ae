// The live-view figure's watchers, in a worker thread of their own so that reading 50 streams
// does not share the console's event loop: each opens the server page's SSE stream with its
// user's session cookie and notes when each frame arrives (the same clock as the console's
// thread: performance.timeOrigin + performance.now()), until the stream ends.
import { parentPort, workerData } from "node:worker_threads";

export interface WatchOrders {
  url: string;
  /** One cookie header per client. */
  cookies: string[];
}

/** Per client: [event sequence, arrival time] for each frame, and how its stream ended. */
export interface WatchReport {
  arrivals: [number, number][][];
  ended: ("end" | "error")[];
  connected: number;
}

const now = () => performance.timeOrigin + performance.now();

async function watch(url: string, cookie: string, onOpen: () => void): Promise<{ arrivals: [number, number][]; ended: "end" | "error" }> {
  const arrivals: [number, number][] = [];
  try {
    const res = await fetch(url, { headers: { cookie, accept: "text/event-stream" } });
    if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`);
    onOpen();
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body) {
      const at = now();
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: ?(.*)$/m.exec(message)?.[1];
        const id = /^id: ?(\d+)$/m.exec(message)?.[1];
        if (event === "frame" && id) arrivals.push([Number(id), at]);
        if (event === "end") return { arrivals, ended: "end" };
      }
    }
    return { arrivals, ended: "error" };
  } catch {
    return { arrivals, ended: "error" };
  }
}

if (parentPort) {
  const orders = workerData as WatchOrders;
  let connected = 0;
  const opened = () => {
    if (++connected === orders.cookies.length) parentPort!.postMessage({ type: "connected" });
  };
  const done = await Promise.all(orders.cookies.map((c) => watch(orders.url, c, opened)));
  const report: WatchReport = { arrivals: done.map((d) => d.arrivals), ended: done.map((d) => d.ended), connected };
  parentPort.postMessage({ type: "report", report });
}
