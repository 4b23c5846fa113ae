// One pass of the gateway's reconciler: it reads the database (servers, their nodes, allocations,
// app routes) and makes the proxy match, whatever happened before (a crash, a missed poke, a
// server made before the gateway was on). Idempotent: a pass with nothing new changes nothing.
// Changes the runtime API can make in place (backend addresses and weights) are made through
// it; anything else (a new listener, a new hostname, a certificate) is a configuration reload.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Logger } from "pino";
import type { Db } from "../state/db.ts";
import { allocateForServer, GatewayFullError, liveAllocationsWithServers, releaseDestroyed, serversWithoutAllocation } from "../state/gateway-allocations.ts";
import { allRoutes } from "../state/gateway-routes.ts";
import { allNodes } from "../state/nodes.ts";
import type { Keyring } from "../state/secrets.ts";
import type { HaproxyProcess } from "./haproxy-process.ts";
import { renderConfig, renderHostMap } from "./haproxy-config.ts";
import { desiredModel, runtimeChanges, shapeOf, type ProxyModel } from "./model.ts";
import { applyCommands, changeCommands } from "./runtime-api.ts";
import type { GatewayFiles, GatewaySettings } from "./settings.ts";
import { ensureServedCertificate } from "./tls.ts";

export interface PassContext {
  db: Db;
  keyring: Keyring;
  log: Logger;
  settings: GatewaySettings;
  files: GatewayFiles;
  proxy: HaproxyProcess;
}

/** What the running proxy was last given. */
export interface Applied {
  /** Hash of the model's shape and the served certificate: equal means no reload is needed. */
  shape: string;
  model: ProxyModel;
  /** The configuration's mark, read back from the worker to know it loaded it. */
  mark: string;
}

/** Allocations for live servers that have none; the destroyed servers' allocations released. */
function reconcileAllocations(ctx: PassContext): void {
  for (const serverId of serversWithoutAllocation(ctx.db)) {
    try {
      const a = allocateForServer(ctx.db, serverId, ctx.settings.ranges);
      ctx.log.info({ server: serverId, slug: a.slug, sshPort: a.sshPort, tcpFirst: a.tcpFirst }, "gateway: allocated entry points for a server that had none");
    } catch (err) {
      if (!(err instanceof GatewayFullError)) throw err;
      ctx.log.warn({ server: serverId }, `gateway: ${err.message}`);
      break;
    }
  }
  for (const a of releaseDestroyed(ctx.db)) ctx.log.info({ server: a.serverId, slug: a.slug, sshPort: a.sshPort, tcpFirst: a.tcpFirst }, "gateway: released the entry points of a destroyed server");
}

function currentModel(ctx: PassContext): ProxyModel {
  const rows = liveAllocationsWithServers(ctx.db);
  return desiredModel({
    domain: ctx.settings.domain,
    allocations: rows.map((r) => r.allocation),
    servers: new Map(rows.map((r) => [r.server.id, r.server])),
    nodes: new Map(allNodes(ctx.db).flatMap((n) => (n.serverId ? [[n.serverId, n] as const] : []))),
    routes: allRoutes(ctx.db),
  });
}

/** Writes a file through a temporary one, so that HAProxy never reads half of it. */
function writeAtomically(file: string, content: string): void {
  fs.writeFileSync(`${file}.new`, content, { mode: 0o600 });
  fs.renameSync(`${file}.new`, file);
}

const render = (ctx: PassContext, model: ProxyModel, mark: string) =>
  renderConfig(model, { bind: ctx.settings.bind, httpPort: ctx.settings.httpPort, httpsPort: ctx.settings.httpsPort, files: ctx.files, mark });

/** Runs one pass; returns what the proxy now runs. */
export async function reconcile(ctx: PassContext, applied: Applied | undefined): Promise<Applied> {
  reconcileAllocations(ctx);
  const model = currentModel(ctx);
  const pem = ensureServedCertificate(ctx.db, ctx.keyring, ctx.settings, ctx.files);
  const shape = createHash("sha256").update(shapeOf(model)).update(pem).digest("hex").slice(0, 16);

  if (applied && applied.shape === shape && ctx.proxy.running) {
    const changes = runtimeChanges(applied.model, model);
    if (changes.length === 0) return applied;
    try {
      await applyCommands(ctx.files.apiSocket, changes.flatMap(changeCommands));
      // The file follows, so that the next reload or start keeps what the runtime API changed.
      writeAtomically(ctx.files.config, render(ctx, model, applied.mark));
      ctx.log.info({ changes: changes.length }, "gateway: backends changed through the runtime API");
      return { shape, model, mark: applied.mark };
    } catch (err) {
      ctx.log.warn({ err }, "gateway: the runtime API failed; reloading instead");
    }
  }

  // A new mark for every load, so that the worker answering with it is surely the new one.
  const mark = `${shape}.${randomBytes(3).toString("hex")}`;
  writeAtomically(ctx.files.hostMap, renderHostMap(model));
  const candidate = `${ctx.files.config}.check`;
  fs.writeFileSync(candidate, render(ctx, model, mark), { mode: 0o600 });
  await ctx.proxy.check(candidate);
  fs.renameSync(candidate, ctx.files.config);
  if (ctx.proxy.running) await ctx.proxy.reload(mark);
  else await ctx.proxy.start(mark);
  ctx.log.info({ hostnames: model.hosts.length, listeners: model.tcp.length + 1 }, "gateway: configuration loaded");
  return { shape, model, mark };
}
