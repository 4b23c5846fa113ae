// The monitor: every HOIST_MONITOR_INTERVAL seconds each running node's CPU, memory and disk,
// and its app containers' CPU and memory, are read over SSH (engine/usage-probe.ts) and kept as
// samples for a week. Its schedule lives in the database (state/usage-samples.ts): a worker
// claims a due node with a lease, samples it and sets when it is due again, so two workers never
// sample the same node and a dead worker's claim runs out.
import type { Logger } from "pino";
import type { Db } from "../state/db.ts";
import { deploymentsOnNode } from "../state/deployments.ts";
import { findNodeById, type Node } from "../state/nodes.ts";
import type { Keyring } from "../state/secrets.ts";
import { serverById } from "../state/servers.ts";
import { serverPolicy } from "../state/statuses.ts";
import { claimDueNode, insertSamples, purgeSamples, releaseNode, SAMPLE_RETENTION_MS, scheduleEveryNode, type NewSample } from "../state/usage-samples.ts";
import { accessOf } from "./nodes.ts";
import { probeNode, type NodeUsage } from "./usage-probe.ts";

export interface MonitorOptions {
  db: Db;
  keyring: Keyring;
  log: Pick<Logger, "warn" | "debug">;
  intervalSeconds: number;
  /** Names this worker's claims (the engine's worker id). */
  workerId: string;
  leaseSeconds?: number;
}

export class MonitorUnavailable extends Error {
  override name = "MonitorUnavailable";
}

export class Monitor {
  readonly #o: MonitorOptions;
  #timer?: NodeJS.Timeout;
  #pass?: Promise<number>;

  constructor(opts: MonitorOptions) {
    this.#o = opts;
  }

  get intervalSeconds(): number {
    return this.#o.intervalSeconds;
  }

  /** Samples what is due now, then keeps doing so (checking for due nodes every few seconds). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.pass(), Math.min(this.#o.intervalSeconds, 5) * 1000);
    this.#timer.unref();
    void this.pass();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pass;
  }

  /** One pass: purges samples older than a week, then samples every due node it can claim. How many it sampled. */
  pass(): Promise<number> {
    this.#pass ??= this.#run().finally(() => (this.#pass = undefined));
    return this.#pass;
  }

  async #run(): Promise<number> {
    const { db } = this.#o;
    const now = new Date();
    const purged = purgeSamples(db, new Date(now.getTime() - SAMPLE_RETENTION_MS));
    if (purged) this.#o.log.debug({ purged }, "purged usage samples older than a week");
    scheduleEveryNode(db, now);
    const done: string[] = [];
    for (;;) {
      const leaseUntil = new Date(Date.now() + (this.#o.leaseSeconds ?? 60) * 1000);
      const nodeId = claimDueNode(db, this.#o.workerId, new Date(), leaseUntil, done);
      if (!nodeId) return done.length;
      done.push(nodeId);
      let error: string | null = null;
      try {
        const node = findNodeById(db, nodeId);
        if (node && running(db, node)) await this.sample(node);
      } catch (err) {
        error = (err as Error).message;
        this.#o.log.warn({ node: nodeId, err: error }, "could not sample the node's usage");
      }
      releaseNode(db, nodeId, this.#o.workerId, new Date(Date.now() + this.#o.intervalSeconds * 1000), error);
    }
  }

  /** Reads the node's usage now and stores it as samples (the node's and each deployment's container). */
  async sample(node: Node): Promise<NodeUsage> {
    const { db } = this.#o;
    const access = accessOf(this.#o, node);
    if (!access) throw new MonitorUnavailable(`Hoist holds no SSH key for ${node.name}`);
    const usage = await probeNode(access);
    const at = new Date();
    const rows: NewSample[] = [
      { nodeId: node.id, deploymentId: null, at, cpuPercent: usage.cpuPercent, memoryBytes: usage.memoryBytes, memoryTotalBytes: usage.memoryTotalBytes, diskUsedBytes: usage.diskUsedBytes, diskTotalBytes: usage.diskTotalBytes },
    ];
    for (const d of deploymentsOnNode(db, node.id)) {
      const c = usage.containers.get(d.id);
      if (c) rows.push({ nodeId: node.id, deploymentId: d.id, at, cpuPercent: c.cpuPercent, memoryBytes: c.memoryBytes, memoryTotalBytes: usage.memoryTotalBytes, diskUsedBytes: null, diskTotalBytes: null });
    }
    insertSamples(db, rows);
    return usage;
  }
}

/** Only a node whose server is up answers; the others are skipped until it is. */
function running(db: Db, node: Node): boolean {
  const server = node.serverId ? serverById(db, node.serverId) : undefined;
  return server ? serverPolicy.canCheck(server.status) : true;
}
