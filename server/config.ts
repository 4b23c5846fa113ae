// Configuration from environment variables, validated once at start. Every setting has a
// documented default (README "Configuration"); a bad value stops the start naming the variable.
import path from "node:path";
import { z } from "zod";

const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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
  HOIST_CATALOG_DIRS: z.string().optional(),
  HOIST_SESSION_IDLE_MINUTES: intIn(5, 14 * 24 * 60).default(240),
  HOIST_READ_ONLY: z
    .enum(["1", "true", "yes", "on", "0", "false", "no", "off"], { error: "must be 1, true, yes or on (or 0, false, no, off)" })
    .default("0")
    .transform((v) => ["1", "true", "yes", "on"].includes(v)),
});

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
  /** Folders of app catalog entries besides the built-in one (`HOIST_CATALOG_DIRS`, separated by `:`). */
  catalogDirs: string[];
  /** A session unused this long ends (it ends 14 days after sign-in anyway). */
  sessionIdleMinutes: number;
  /** Changes are paused from the start (HOIST_READ_ONLY); an admin cannot resume them. */
  readOnly: boolean;
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
    catalogDirs: (e.HOIST_CATALOG_DIRS ?? "").split(":").filter(Boolean).map((d) => path.resolve(cwd, d)),
    sessionIdleMinutes: e.HOIST_SESSION_IDLE_MINUTES,
    readOnly: e.HOIST_READ_ONLY,
    endpoints,
  };
}
