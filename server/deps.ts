// Builds the dependencies from the configuration: data folder, master key, database, logger.
import fs from "node:fs";
import path from "node:path";
import type { DestinationStream } from "pino";
import { openDb } from "../state/db.ts";
import { currentPause } from "../state/maintenance.ts";
import { keyFileWatcher, loadMasterKeys } from "../state/master-key.ts";
import { expireUnboundedTokens } from "../state/api-tokens.ts";
import { purgeSessions } from "../state/sessions.ts";
import { DEFAULT_TOKEN_DAYS } from "./actions/tokens.ts";
import { ensureStackPassphrase } from "../state/stack-passphrase.ts";
import { resealAll } from "../state/reseal.ts";
import { createKeyring } from "../state/secrets.ts";
import { Engine } from "../engine/engine.ts";
import { Gateway } from "../gateway/gateway.ts";
import { Monitor } from "../engine/monitor.ts";
import { countUsers } from "../state/users.ts";
import { RefusedSignIns } from "./actions/sign-in.ts";
import { Backoff, RateLimiter } from "./auth/rate-limit.ts";
import { prepareSetupGate } from "./auth/setup-code.ts";
import type { Config } from "./config.ts";
import { StreamRegistry } from "./streams.ts";
import type { Deps } from "./env.ts";
import { createLogger } from "./log.ts";
import { builtInCatalogDir, loadCatalog } from "../stacks/app-catalog.ts";

export function createDeps(config: Config, opts: { logDestination?: DestinationStream } = {}): Deps & { close(): void } {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const log = createLogger(config.logLevel, opts.logDestination);
  const { keys, generated } = loadMasterKeys(config);
  if (generated) log.warn({ file: config.masterKeyFile }, "generated a new master key; back it up: without it the stored secrets cannot be read");
  const db = openDb(path.join(config.dataDir, "hoist.db"));
  const setup = prepareSetupGate(config.dataDir, countUsers(db) > 0);
  if (setup.code) log.info({ file: setup.file }, `Hoist is not set up yet: open /setup and enter the setup code ${setup.code} (also in ${setup.file})`);
  const keyring = createKeyring(keys, keyFileWatcher(config));
  // A data migration, run at every start: values sealed before they were bound to their row, or
  // under an older key, are sealed again under the current key for their own row.
  const { resealed } = resealAll(db, keyring, keyring);
  if (resealed) log.info({ resealed }, `re-sealed ${resealed} stored secret(s) under the current master key`);
  ensureStackPassphrase(db, keyring);
  purgeSessions(db, new Date(Date.now() - config.sessionIdleMinutes * 60_000));
  const bounded = expireUnboundedTokens(db, DEFAULT_TOKEN_DAYS);
  if (bounded) log.info({ tokens: bounded }, `API tokens made before tokens expired now expire in ${DEFAULT_TOKEN_DAYS} days`);
  const readOnlySince = config.readOnly ? { since: new Date() } : undefined;
  const paused = () => currentPause(db, readOnlySince);
  const gateway = new Gateway({ db, keyring, log, settings: config.gateway });
  const engine = new Engine({
    gateway,
    paused: () => paused() !== undefined,
    db,
    keyring,
    log,
    endpoints: config.endpoints,
    concurrency: config.concurrency,
    operationTimeoutSeconds: config.operationTimeoutSeconds,
    cancelGraceSeconds: config.cancelGraceSeconds,
    nodeCheckIntervalSeconds: config.nodeCheckIntervalSeconds,
    pulumiBackend: config.pulumiBackend,
    pulumiHome: config.pulumiHome,
    stacksDir: path.join(config.dataDir, "stacks"),
    drift: config.drift,
  });
  return {
    config,
    db,
    keyring,
    log,
    engine,
    catalog: loadCatalog([builtInCatalogDir, ...config.catalogDirs]),
    gateway,
    monitor: new Monitor({ db, keyring, log, intervalSeconds: config.monitorIntervalSeconds, workerId: engine.workerId }),
    setup,
    paused,
    streams: new StreamRegistry(),
    limits: {
      signInByAddress: new RateLimiter(30, 15 * 60_000),
      signInByAccount: new Backoff(5, 1000, 60_000, 15 * 60_000),
      refusedSignIns: new RefusedSignIns(),
      serverChanges: new RateLimiter(config.serverChangeLimit, 10 * 60_000),
    },
    close: () => db.$client.close(),
  };
}
