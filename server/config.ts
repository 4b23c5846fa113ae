// Configuration from environment variables, validated once at start. Every setting has a
// documented default (README "Configuration"); a bad value stops the start naming the variable.
import path from "node:path";
import { z } from "zod";
import type { GatewaySettings } from "../gateway/settings.ts";
import type { MigrationSettings } from "../state/app-migrations.ts";
import { TCP_BLOCK } from "../state/gateway-allocations.ts";

const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `first-last`, both included. */
const portRange = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, "must be a port range such as 20000-20999")
  .transform((v) => {
    const [first, last] = v.split("-").map(Number) as [number, number];
    return { first, last };
  })
  .refine((r) => r.first >= 1 && r.last <= 65535 && r.first <= r.last, "must be first-last with 1 ≤ first ≤ last ≤ 65535");

const schema = z.object({
  HOIST_DATA_DIR: z.string().min(1).default("./data"),
  HOIST_PORT: intIn(0, 65535).default(3000),
  HOIST_BIND: z.union([z.ipv4(), z.ipv6(), z.literal("localhost")]).default("127.0.0.1"),
  HOIST_MASTER_KEY: z.string().optional(),
  HOIST_MASTER_KEY_FILE: z.string().min(1).optional(),
  HOIST_LOG_LEVEL: z.enum(levels).default("info"),
  HOIST_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  HOIST_TRUST_PROXY: z
    .string()
    .transform((v) => v.split(",").map((a) => a.trim()).filter(Boolean))
    .pipe(z.array(z.union([z.ipv4(), z.ipv6()], { error: "must be IP addresses, separated by commas" })))
    .default([]),
  HOIST_PULUMI_HOME: z.string().min(1).optional(),
  HOIST_PULUMI_BACKEND: z
    .string()
    .regex(/^(file|s3|https?):\/\//, "must be a file://, s3:// or https:// URL")
    .optional(),
  HOIST_CONCURRENCY: intIn(1, 64).default(4),
  HOIST_SERVER_QUOTA: intIn(1, 10_000).default(10),
  HOIST_SERVER_CHANGE_LIMIT: intIn(1, 10_000).default(30),
  HOIST_OPERATION_TIMEOUT: intIn(30, 86_400).default(1800),
  HOIST_CANCEL_GRACE: intIn(5, 3600).default(120),
  HOIST_NODE_CHECK_INTERVAL: intIn(5, 86_400).default(60),
  // 0 turns scheduled sweeps off; otherwise at least 5 seconds, at most 30 days.
  HOIST_DRIFT_INTERVAL: intIn(0, 30 * 86_400)
    .refine((v) => v === 0 || v >= 5, "must be 0 (off) or at least 5 seconds")
    .default(3600),
  HOIST_DRIFT_CONCURRENCY: intIn(1, 64).default(2),
  HOIST_MONITOR_INTERVAL: intIn(1, 86_400).default(60),
  HOIST_CATALOG_DIRS: z.string().optional(),
  HOIST_MIGRATION_GRACE: intIn(0, 3600).default(30),
  HOIST_MIGRATION_HEALTH_TIMEOUT: intIn(5, 3600).default(120),
  HOIST_MIGRATION_WATCH: intIn(0, 3600).default(30),
  HOIST_MIGRATION_SLOW_MS: intIn(10, 60_000).default(500),
  HOIST_MIGRATION_ERRORS: intIn(1, 10).default(3),
  HOIST_SESSION_IDLE_MINUTES: intIn(5, 14 * 24 * 60).default(240),
  HOIST_READ_ONLY: z
    .enum(["1", "true", "yes", "on", "0", "false", "no", "off"], { error: "must be 1, true, yes or on (or 0, false, no, off)" })
    .default("0")
    .transform((v) => ["1", "true", "yes", "on"].includes(v)),
  HOIST_GATEWAY: z
    .enum(["auto", "1", "true", "yes", "on", "0", "false", "no", "off"], { error: "must be auto, on or off" })
    .default("auto")
    .transform((v) => (v === "auto" ? "auto" : ["1", "true", "yes", "on"].includes(v) ? "on" : "off")),
  HOIST_GATEWAY_DOMAIN: z
    .string()
    .toLowerCase()
    .regex(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, "must be a domain name such as gw.example.com")
    .default("gw.localhost"),
  HOIST_GATEWAY_BIND: z.union([z.ipv4(), z.ipv6()], { error: "must be an IP address" }).default("127.0.0.1"),
  HOIST_GATEWAY_HTTP_PORT: intIn(1, 65535).default(8080),
  HOIST_GATEWAY_HTTPS_PORT: intIn(1, 65535).default(8443),
  HOIST_GATEWAY_SSH_PORTS: portRange.default({ first: 20000, last: 20999 }),
  HOIST_GATEWAY_TCP_PORTS: portRange
    .refine((r) => r.first % TCP_BLOCK === 0 && (r.last - r.first + 1) % TCP_BLOCK === 0, `must start at a multiple of ${TCP_BLOCK} and hold whole blocks of ${TCP_BLOCK} ports (such as 30000-39999)`)
    .default({ first: 30000, last: 39999 }),
  HOIST_GATEWAY_CERT: z.string().min(1).optional(),
  HOIST_GATEWAY_KEY: z.string().min(1).optional(),
  HOIST_GATEWAY_HAPROXY: z.string().min(1).optional(),
  HOIST_GATEWAY_SYNC_INTERVAL: intIn(1, 3600).default(5),
});

/** Where two of the gateway's ports or ranges overlap, or a certificate lacks its key: the variables to fix. */
function gatewayProblems(e: z.infer<typeof schema>): string[] {
  const spans: [string, { first: number; last: number }][] = [
    ["HOIST_GATEWAY_HTTP_PORT", { first: e.HOIST_GATEWAY_HTTP_PORT, last: e.HOIST_GATEWAY_HTTP_PORT }],
    ["HOIST_GATEWAY_HTTPS_PORT", { first: e.HOIST_GATEWAY_HTTPS_PORT, last: e.HOIST_GATEWAY_HTTPS_PORT }],
    ["HOIST_GATEWAY_SSH_PORTS", e.HOIST_GATEWAY_SSH_PORTS],
    ["HOIST_GATEWAY_TCP_PORTS", e.HOIST_GATEWAY_TCP_PORTS],
  ];
  const problems: string[] = [];
  for (const [i, [a, ra]] of spans.entries()) {
    for (const [b, rb] of spans.slice(i + 1)) if (ra.first <= rb.last && rb.first <= ra.last) problems.push(`${b}: overlaps ${a}`);
  }
  if (!e.HOIST_GATEWAY_CERT !== !e.HOIST_GATEWAY_KEY) problems.push(`${e.HOIST_GATEWAY_CERT ? "HOIST_GATEWAY_KEY" : "HOIST_GATEWAY_CERT"}: is required with the other (a certificate and its private key)`);
  return problems;
}

export type Config = {
  dataDir: string;
  port: number;
  bind: string;
  masterKey?: string;
  masterKeyFile: string;
  logLevel: (typeof levels)[number];
  /** The URL users reach Hoist at: invitation links, the CSRF origin; https makes cookies Secure. */
  publicUrl?: string;
  /** Proxies whose X-Forwarded-For names the client (for per-address limits). */
  trustedProxies: string[];
  secureCookies: boolean;
  pulumiBackend: string;
  /** PULUMI_HOME for every operation (plugins, workspaces); kept apart from ~/.pulumi. */
  pulumiHome: string;
  concurrency: number;
  serverQuota: number;
  /** Servers one user may create or destroy in ten minutes. */
  serverChangeLimit: number;
  operationTimeoutSeconds: number;
  /** How long a cancelled operation may take to stop before its processes are killed. */
  cancelGraceSeconds: number;
  nodeCheckIntervalSeconds: number;
  /** Scheduled drift sweeps: seconds between them (0: off), and checks run at once. */
  drift: { intervalSeconds: number; concurrency: number };
  /** Seconds between usage samples of each node (the monitor). */
  monitorIntervalSeconds: number;
  /** Folders of app catalog entries besides the built-in one (`HOIST_CATALOG_DIRS`, separated by `:`). */
  catalogDirs: string[];
  /** A session unused this long ends (it ends 14 days after sign-in anyway). */
  sessionIdleMinutes: number;
  /** Changes are paused from the start (HOIST_READ_ONLY); an admin cannot resume them. */
  readOnly: boolean;
  gateway: GatewaySettings;
  /** What each new migration runs with (state/app-migrations.ts MigrationSettings). */
  migration: MigrationSettings;
  /** Per-cloud API endpoint overrides, `HOIST_ENDPOINT_<CLOUD>` (for private clouds and the test bed). */
  endpoints: Record<string, string>;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads the configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("HOIST_") && v !== "")));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const problems = gatewayProblems(e);
  if (problems.length) throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  const endpoints: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^HOIST_ENDPOINT_([A-Z0-9_]+)$/.exec(k);
    if (!m || !v) continue;
    const url = z.url({ protocol: /^https?$/ }).safeParse(v);
    if (!url.success) throw new ConfigError(`invalid configuration:\n  ${k}: must be an http(s) URL`);
    endpoints[m[1]!.toLowerCase()] = v.replace(/\/+$/, "");
  }
  const dataDir = path.resolve(cwd, e.HOIST_DATA_DIR);
  return {
    dataDir,
    port: e.HOIST_PORT,
    bind: e.HOIST_BIND,
    masterKey: e.HOIST_MASTER_KEY,
    masterKeyFile: path.resolve(cwd, e.HOIST_MASTER_KEY_FILE ?? path.join(dataDir, "master.key")),
    logLevel: e.HOIST_LOG_LEVEL,
    publicUrl: e.HOIST_PUBLIC_URL,
    trustedProxies: e.HOIST_TRUST_PROXY,
    secureCookies: e.HOIST_PUBLIC_URL?.startsWith("https://") ?? false,
    pulumiBackend: e.HOIST_PULUMI_BACKEND ?? `file://${path.join(dataDir, "pulumi")}`,
    pulumiHome: path.resolve(cwd, e.HOIST_PULUMI_HOME ?? path.join(dataDir, "pulumi-home")),
    concurrency: e.HOIST_CONCURRENCY,
    serverQuota: e.HOIST_SERVER_QUOTA,
    serverChangeLimit: e.HOIST_SERVER_CHANGE_LIMIT,
    operationTimeoutSeconds: e.HOIST_OPERATION_TIMEOUT,
    cancelGraceSeconds: e.HOIST_CANCEL_GRACE,
    nodeCheckIntervalSeconds: e.HOIST_NODE_CHECK_INTERVAL,
    drift: { intervalSeconds: e.HOIST_DRIFT_INTERVAL, concurrency: e.HOIST_DRIFT_CONCURRENCY },
    monitorIntervalSeconds: e.HOIST_MONITOR_INTERVAL,
    catalogDirs: (e.HOIST_CATALOG_DIRS ?? "").split(":").filter(Boolean).map((d) => path.resolve(cwd, d)),
    sessionIdleMinutes: e.HOIST_SESSION_IDLE_MINUTES,
    readOnly: e.HOIST_READ_ONLY,
    gateway: {
      mode: e.HOIST_GATEWAY,
      domain: e.HOIST_GATEWAY_DOMAIN,
      bind: e.HOIST_GATEWAY_BIND,
      httpPort: e.HOIST_GATEWAY_HTTP_PORT,
      httpsPort: e.HOIST_GATEWAY_HTTPS_PORT,
      ranges: { ssh: e.HOIST_GATEWAY_SSH_PORTS, tcp: e.HOIST_GATEWAY_TCP_PORTS },
      certificate: e.HOIST_GATEWAY_CERT && e.HOIST_GATEWAY_KEY ? { cert: path.resolve(cwd, e.HOIST_GATEWAY_CERT), key: path.resolve(cwd, e.HOIST_GATEWAY_KEY) } : undefined,
      haproxy: e.HOIST_GATEWAY_HAPROXY ? path.resolve(cwd, e.HOIST_GATEWAY_HAPROXY) : undefined,
      dir: path.join(dataDir, "gateway"),
      syncIntervalSeconds: e.HOIST_GATEWAY_SYNC_INTERVAL,
    },
    migration: {
      graceSeconds: e.HOIST_MIGRATION_GRACE,
      healthSeconds: e.HOIST_MIGRATION_HEALTH_TIMEOUT,
      watchSeconds: e.HOIST_MIGRATION_WATCH,
      slowMs: e.HOIST_MIGRATION_SLOW_MS,
      errors: e.HOIST_MIGRATION_ERRORS,
    },
    endpoints,
  };
}
