// A deployment's container under /deployments/:id, read from its node over SSH only when the
// operator asks: its usage now, its last lines of logs, and its logs followed over SSE until the
// page stops following or goes away (the SSH session ends with the stream).
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import { ContainerUnavailable, containerLogs, containerUsage, MAX_LOG_LINES } from "../../engine/app-node.ts";
import { ContainerPage, LOG_LINE_CHOICES, LogsChunk, LogsPanel, LogsReset, LogsState, UsagePanel } from "../../views/container-panel.tsx";
import { getDeployment, type Deployment } from "../actions/deployments.ts";
import type { Deps, Env } from "../env.ts";
import { RateLimitedError } from "../errors.ts";
import { actorOf, pageBase } from "../render.ts";

const KEEPALIVE_MS = 15_000;
/** Output is sent at most this often while it streams in (one message per burst, not per write). */
const BATCH_MS = 150;

const linesOf = (raw: string | undefined) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_LOG_LINES) : LOG_LINE_CHOICES[0];
};

// Terminal escapes (colours, cursor moves) and control characters other than tab and newline
// mean nothing in a page.
// eslint-disable-next-line no-control-regex
const clean = (s: string) => s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\r\n?/g, "\n").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");

/** A fragment request of htmx's own (not a boosted page); the answer varies with it, for caches. */
function isFragment(c: Context<Env>): boolean {
  c.header("Vary", "HX-Request");
  return !!c.req.header("hx-request") && !c.req.header("hx-boosted");
}

const reasonOf = (err: unknown) => {
  if (err instanceof ContainerUnavailable) return err.message;
  throw err;
};

export function deploymentContainerRoutes(deps: Deps) {
  const app = new Hono<Env>();

  const page = (c: Context<Env>, d: Deployment, parts: Omit<Parameters<typeof ContainerPage>[0], keyof ReturnType<typeof pageBase> | "deployment">) =>
    c.html(<ContainerPage {...pageBase(c)} deployment={{ id: d.id, name: d.name }} {...parts} />);

  app.get("/:id/usage", async (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    const usage = await containerUsage(deps, d).then(
      (u) => ({ usage: { ...u, at: new Date() } }),
      (err) => ({ error: reasonOf(err) }),
    );
    return isFragment(c) ? c.html(<UsagePanel {...usage} />) : page(c, d, { usage });
  });

  app.get("/:id/logs", async (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    const lines = linesOf(c.req.query("lines"));
    const follow = c.req.query("follow") === "1";
    // With htmx, following is the stream's business: the panel that opens it comes back at once.
    if (follow && isFragment(c)) return c.html(<LogsPanel id={d.id} lines={lines} follow />);
    const logs = await containerLogs(deps, d, { lines }).then(
      (text) => ({ text: clean(text), at: new Date() }),
      (err) => ({ error: reasonOf(err) }),
    );
    const panel = { id: d.id, lines, ...logs, note: follow ? "Following the logs needs JavaScript; reload this page for newer lines." : undefined };
    return isFragment(c) ? c.html(<LogsPanel {...panel} />) : page(c, d, { logs: panel, lines });
  });

  app.get("/:id/logs/follow", (c) => {
    const actor = actorOf(c);
    const d = getDeployment(deps, actor, c.req.param("id"));
    const lines = linesOf(c.req.query("lines"));
    const stop = new AbortController();
    // Counted with the user's other live streams, and closed with their session.
    const release = deps.streams.open({ userId: actor.user.id, sessionId: actor.sessionId, tokenId: actor.tokenId }, () => stop.abort());
    if (!release) throw new RateLimitedError(`You have ${deps.streams.perUser} live streams open, the most Hoist keeps per user; close one first.`, 15);
    return streamSSE(c, async (stream) => {
      let pending = "";
      let wake: (() => void) | undefined;
      let ended: { error?: string } | undefined;
      stream.onAbort(() => {
        stop.abort();
        wake?.();
      });
      stop.signal.addEventListener("abort", () => wake?.(), { once: true });
      const send = (event: string, html: { toString(): string }) => stream.writeSSE({ event, data: html.toString() });
      try {
        await send("logs", <><LogsReset /><LogsState text={`Following: the last ${lines} lines, then each new one as the container writes it.`} /></>);
        containerLogs(deps, d, { lines, follow: true, signal: stop.signal, onData: (chunk) => { pending += chunk; wake?.(); } }).then(
          () => (ended = {}),
          (err: unknown) => (ended = { error: err instanceof Error ? err.message : String(err) }),
        ).finally(() => wake?.());
        while (!stop.signal.aborted) {
          if (!pending && !ended) {
            const woke = await new Promise<boolean>((resolve) => {
              wake = () => resolve(true);
              setTimeout(() => resolve(false), KEEPALIVE_MS).unref();
            });
            wake = undefined;
            if (!woke && !stop.signal.aborted) await stream.write(": keep-alive\n\n");
            continue;
          }
          if (pending) {
            await new Promise((r) => setTimeout(r, BATCH_MS));
            const text = clean(pending);
            pending = "";
            if (text) await send("logs", <LogsChunk text={text} />);
          }
          if (ended && !pending) break;
        }
        if (ended && !stream.aborted) {
          const done = ended.error
            ? <LogsState tone="error" text={`Following stopped: Hoist could not reach the container: ${ended.error}.`} />
            : <LogsState text="Following ended: the container stopped (or was replaced). Show the logs again to read what it wrote last." />;
          await send("logs", done);
          await stream.writeSSE({ event: "end", data: "end" });
        }
      } finally {
        stop.abort();
        release();
      }
    });
  });

  return app;
}
