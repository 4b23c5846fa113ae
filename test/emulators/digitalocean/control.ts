// The emulator's control API (`/_emulator/*`, no auth): faults, a state dump, and out-of-band
// changes, for tests and `npm run testbed` that drive the emulator over HTTP.
import { Hono, type Context } from "hono";
import { parseFault, type FaultKind, type FaultSet } from "../faults.ts";
import type { OutOfBand } from "./emulator.ts";

export function controlRoutes(faults: FaultSet, outOfBand: OutOfBand, snapshot: () => unknown): Hono {
  const app = new Hono();
  app.onError((err, c) => c.json({ error: err.message }, 400));
  const id = (c: Context) => Number(c.req.param("id"));
  const body = async (c: Context) => ((await c.req.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;

  app.get("/faults", (c) => c.json({ faults: faults.list() }));
  app.post("/faults", async (c) => {
    const { fault, times } = parseFault(await body(c));
    faults.set(fault, { times });
    return c.json({ faults: faults.list() }, 201);
  });
  app.delete("/faults", (c) => {
    faults.clear(c.req.query("kind") as FaultKind | undefined);
    return c.body(null, 204);
  });

  app.get("/state", (c) => c.json(snapshot()));

  app.post("/droplets/:id/kill", async (c) => {
    await outOfBand.kill(id(c));
    return c.body(null, 204);
  });
  app.post("/droplets/:id/resize", async (c) => {
    outOfBand.resize(id(c), String((await body(c)).size));
    return c.body(null, 204);
  });
  app.post("/droplets/:id/rename", async (c) => {
    outOfBand.rename(id(c), String((await body(c)).name));
    return c.body(null, 204);
  });
  app.delete("/droplets/:id", async (c) => {
    await outOfBand.delete(id(c));
    return c.body(null, 204);
  });
  return app;
}
