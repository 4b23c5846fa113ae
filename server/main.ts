// `npm start`: the console on HOIST_BIND:HOIST_PORT (default http://127.0.0.1:3000).
import { serve } from "@hono/node-server";
import { obtainPulumiCli } from "../engine/pulumi-cli.ts";
import { MasterKeyError } from "../state/master-key.ts";
import { createApp } from "./app.tsx";
import { ConfigError, loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";

function fail(err: unknown): never {
  if (err instanceof ConfigError || err instanceof MasterKeyError) {
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

// The engine needs the Pulumi CLI; the pages work while it is being obtained.
obtainPulumiCli({ onProgress: (line) => log.info(line) }).then(
  (cli) => log.info({ cli: cli.command, version: String(cli.version) }, "Pulumi CLI ready"),
  (err: Error) => log.error(err.message),
);

const stop = () => {
  log.info("shutting down");
  server.close();
  deps.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
