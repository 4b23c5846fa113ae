// `npm start`: the console on HOIST_BIND:HOIST_PORT (default http://127.0.0.1:3000).
import { serve } from "@hono/node-server";
import { CatalogError } from "../stacks/app-catalog.ts";
import { MasterKeyError } from "../state/master-key.ts";
import { createApp } from "./app.tsx";
import { ConfigError, loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";

function fail(err: unknown): never {
  if (err instanceof ConfigError || err instanceof MasterKeyError || err instanceof CatalogError) {
    process.stderr.write(`hoist: ${err.message}\nSee README.md, "Configuration".\n`);
    process.exit(2);
  }
  throw err;
}

let deps;
try {
  deps = createDeps(loadConfig());
} catch (err) {
  fail(err);
}
const { config, log } = deps;
const app = createApp(deps);

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.bind }, (info) => {
  log.info({ url: `http://${info.address}:${info.port}`, dataDir: config.dataDir }, `Hoist is listening on http://${info.address}:${info.port}`);
});
server.on("error", (err: NodeJS.ErrnoException) => {
  log.fatal({ code: err.code }, err.code === "EADDRINUSE" ? `port ${config.port} on ${config.bind} is in use; set HOIST_PORT` : err.message);
  process.exit(1);
});

// The engine needs the Pulumi CLI (built from source the first time where it cannot be
// downloaded); the pages work meanwhile and operations wait in the queue.
deps.engine.start().then(
  () => log.info("engine started"),
  (err: Error) => log.error({ err }, `the engine could not start: ${err.message}`),
);

// The gateway reconciles on its own; a failure is logged and retried every few seconds.
deps.gateway.start().then(
  () => deps.gateway.enabled && log.info({ domain: config.gateway.domain, bind: config.gateway.bind }, "gateway started"),
  (err: Error) => log.error({ err }, `the gateway could not start: ${err.message}`),
);
if (!deps.gateway.enabled) log.info(config.gateway.mode === "off" ? "the gateway is off (HOIST_GATEWAY=off)" : "the gateway is off: HAProxy is not installed (apt-get install haproxy)");

// Usage samples of every running node, every HOIST_MONITOR_INTERVAL seconds.
deps.monitor.start();

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log.info("shutting down: cancelling running operations (they can be retried after the next start)");
  server.close();
  await deps.monitor.stop();
  await deps.engine.stop();
  await deps.gateway.stop();
  deps.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
