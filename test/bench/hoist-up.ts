// One server through Hoist's JSON API, from the request to the server being ready (its node
// registered and answering over SSH), with where the time went, read from what Hoist stored:
// the operation's timestamps and its event stream.
import { eventsAfter, serverOperations } from "../../state/operations.ts";
import { serverById } from "../../state/servers.ts";
import type { Bed } from "../support/bed.ts";

export interface HoistTimes {
  /** From the request to the server's status turning ready. */
  total: number;
  /** The request until its 202 (validation, the live catalog, keys, rows). */
  api: number;
  /** Queued until the engine started the operation. */
  queued: number;
  /** Started until the first resource step (stack selection, config, state checks, CLI and plugins starting). */
  preparing: number;
  /** The first resource step until the run's summary. */
  resources: number;
  /** The summary until ready (outputs, node registration, the SSH check, status). */
  tail: number;
}

/** Requests a server named `name` and resolves when it is ready; throws if it fails. */
export async function requestServer(bed: Bed, name: string): Promise<{ id: string; operationId: string; accepted: number }> {
  const t0 = performance.now();
  const res = await bed.api.post("/servers", bed.serverRequest(name));
  if (res.status !== 202) throw new Error(`create ${name}: ${res.status} ${res.text}`);
  const body = res.json();
  return { id: body.server.id, operationId: body.operation.id, accepted: performance.now() - t0 };
}

/** Resolves when the operation moves its server to ready (the engine's own event), or throws when it fails. */
export function untilReady(bed: Bed, serverId: string, operationId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      const s = serverById(bed.console.deps.db, serverId)!;
      if (s.status === "ready") return finish(resolve);
      if (s.status === "failed") return finish(() => reject(new Error(`server ${s.name} failed: ${s.errorReason}`)));
    };
    const unsubscribe = bed.console.deps.engine.bus.subscribe(operationId, (e) => {
      if (e.event.type === "status" || e.event.type === "operation") settle();
    });
    const finish = (f: () => void) => {
      unsubscribe();
      f();
    };
    settle();
  });
}

export async function hoistUp(bed: Bed, name: string): Promise<HoistTimes & { id: string }> {
  const t0 = performance.now();
  const { id, operationId, accepted } = await requestServer(bed, name);
  await untilReady(bed, id, operationId);
  const total = performance.now() - t0;
  const db = bed.console.deps.db;
  const op = serverOperations(db, id)[0]!;
  const events = eventsAfter(db, op.id, 0, 1000);
  const at = (pick: (e: (typeof events)[number]) => boolean) => events.find(pick)?.at.getTime() ?? Number.NaN;
  const firstStep = at((e) => e.type === "resource" && e.payload.phase === "started");
  const summary = at((e) => e.type === "summary");
  const ready = at((e) => e.type === "status" && e.payload.status === "ready");
  const started = op.startedAt!.getTime();
  return { id, total, api: accepted, queued: started - op.createdAt.getTime(), preparing: firstStep - started, resources: summary - firstStep, tail: ready - summary };
}
