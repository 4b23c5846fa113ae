// /_emulator/: the emulator's own control API (no auth), for driving faults and out-of-band
// changes by hand or from a browser test: the same operations tests call directly.
import { Hono, type Context } from "hono";
import { parseFault, type FaultKind } from "../../faults.ts";
import { actionJson } from "../actions.ts";
import { readBody } from "../http.ts";
import type { EmulatorContext } from "../machines.ts";
import type { HetznerEmulator } from "../emulator.ts";

interface ControlDeps {
  ctx: EmulatorContext;
  tokens: Set<string>;
  outOfBand: HetznerEmulator["outOfBand"];
}

export function controlRoutes({ ctx, tokens, outOfBand }: ControlDeps) {
  const app = new Hono();
  const { state, faults } = ctx;

  app.post("/faults", async (c) => {
    let parsed;
    try {
      parsed = parseFault(await readBody(c));
    } catch (err) {
      return c.json({ error: (err as Error).message }, 400);
    }
    faults.set(parsed.fault, { times: parsed.times });
    return c.json({ faults: faults.list() });
  });
  app.delete("/faults", (c) => {
    faults.clear(c.req.query("kind") as FaultKind | undefined);
    return c.json({ faults: faults.list() });
  });
  app.post("/tokens", async (c) => {
    const token = (await readBody(c)).token;
    if (typeof token !== "string" || !token) return c.json({ error: "token must be a non-empty string" }, 400);
    tokens.add(token);
    return c.body(null, 204);
  });
  app.get("/state", (c) =>
    c.json({
      servers: [...state.servers.values()].map((s) => state.serverJson(s)),
      ssh_keys: [...state.sshKeys.values()],
      firewalls: [...state.firewalls.values()].map((f) => state.firewallJson(f)),
      actions: [...state.actions.values()].map(actionJson),
      faults: faults.list(),
    }),
  );

  const serverOp = (fn: (id: number, body: Record<string, unknown>) => unknown) => async (c: Context) => {
    const id = Number(c.req.param("id"));
    if (!state.servers.has(id)) return c.json({ error: `no server ${c.req.param("id")}` }, 404);
    await fn(id, await readBody(c));
    return c.body(null, 204);
  };
  app.post("/servers/:id/kill", serverOp((id) => outOfBand.kill(id)));
  app.post("/servers/:id/change_type", serverOp((id, b) => outOfBand.changeType(id, String(b.server_type))));
  app.post("/servers/:id/rename", serverOp((id, b) => outOfBand.rename(id, String(b.name))));
  app.delete("/servers/:id", serverOp((id) => outOfBand.delete(id)));
  return app;
}
