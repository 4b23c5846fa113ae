// The emulator's control API under /_emulator/ (no auth): faults, state, out-of-band changes.
// Tests can use it over HTTP from another process (e.g. `npm run testbed`), or call the
// emulator object directly.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseFault, type FaultKind, type FaultSet } from "../faults.ts";
import { UnknownInstanceError, type InstanceBook } from "./instances.ts";

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  ctx: { faults: FaultSet; book: InstanceBook; hostRunning(id: string): boolean },
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://front");
  const json = (status: number, value?: unknown) => {
    res.writeHead(status, value === undefined ? {} : { "content-type": "application/json" });
    res.end(value === undefined ? undefined : JSON.stringify(value));
  };
  const input = () => (body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {});
  const instance = /^\/_emulator\/instances\/([^/]+)\/(kill|type|terminate)$/.exec(url.pathname);
  try {
    if (url.pathname === "/_emulator/faults" && req.method === "POST") {
      const { fault, times } = parseFault(input());
      ctx.faults.set(fault, { times });
      return json(204);
    }
    if (url.pathname === "/_emulator/faults" && req.method === "DELETE") {
      ctx.faults.clear((url.searchParams.get("kind") as FaultKind | null) ?? undefined);
      return json(204);
    }
    if (url.pathname === "/_emulator/state" && req.method === "GET") {
      return json(200, {
        instances: ctx.book.list().map((r) => ({ ...r, sshdRunning: ctx.hostRunning(r.id) })),
        keyPairs: ctx.book.keyPairs(),
        faults: ctx.faults.list(),
      });
    }
    if (instance && req.method === "POST") {
      const [, id, op] = instance as unknown as [string, string, string];
      if (op === "kill") await ctx.book.kill(id);
      else if (op === "terminate") await ctx.book.terminate(id);
      else await ctx.book.changeType(id, String(input().type ?? ""));
      return json(204);
    }
    json(404, { error: `no control route ${req.method} ${url.pathname}` });
  } catch (err) {
    json(err instanceof UnknownInstanceError ? 404 : 400, { error: (err as Error).message });
  }
}
