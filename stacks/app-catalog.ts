// The marketplace catalog: one JSON file per app (catalog/apps/*.json in the repository, plus any
// folder HOIST_CATALOG_DIRS names), each validated here when it is loaded. An entry says what to
// run (image and tag), how it listens (published ports, or host networking with its address and
// port passed in), its settings (environment variables with rules, some secret), where it keeps
// data (volumes), how Hoist knows it is up (health check) and what it needs (CPU, memory).
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be lower-case letters, digits and dashes (at most 40)");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be an environment variable name (letters, digits, _)");

const port = z.object({
  name: id,
  label: z.string().min(1).max(60),
  /** The port inside the container (bridge networking), or the default the app listens on (host). */
  container: z.number().int().min(1).max(65535),
  /** The node's port it is published on unless the operator picks another. */
  default: z.number().int().min(1).max(65535),
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
  /** This port serves the app's web UI (its URL is shown as a link). */
  web: z.boolean().default(false),
});

const env = z.object({
  name: envName,
  label: z.string().min(1).max(80),
  help: z.string().max(200).optional(),
  /** A value the operator may change; `{address}` and `{port:<name>}` stand for the node's address and a chosen port. */
  default: z.string().max(500).optional(),
  /** What a value must look like (a JavaScript regular expression, anchored), and the message when it does not. */
  pattern: z.string().max(200).optional(),
  message: z.string().max(200).optional(),
  required: z.boolean().default(false),
  /** Never shown, logged or stored in plaintext; reaches the node as the container's secret input only. */
  secret: z.boolean().default(false),
  /** Fixed by the entry (an address or port placeholder, say): not offered in the form. */
  fixed: z.boolean().default(false),
});

const volume = z.object({ name: id, path: z.string().regex(/^\/[A-Za-z0-9._/-]*$/, "must be an absolute path"), label: z.string().min(1).max(80) });

const health = z.union([
  z.object({ http: z.object({ port: id, path: z.string().regex(/^\/[\x21-\x7e]*$/, "must be a path starting with /").default("/"), expect: z.array(z.number().int()).optional() }) }),
  z.object({ tcp: z.object({ port: id }) }),
]);

export const appEntrySchema = z
  .object({
    id,
    name: z.string().min(1).max(60),
    description: z.string().min(1).max(300),
    category: z.string().min(1).max(40),
    /** A single emoji or a short symbol shown on the card. */
    icon: z.string().min(1).max(8),
    image: z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?([/][a-z0-9]+([._-][a-z0-9]+)*)*$/, "must be an image name such as nginx or ghcr.io/owner/app"),
    tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag"),
    /**
     * bridge: the container's ports are published on the node's address. host: the container shares
     * the node's network and listens where its settings say (`{address}`, `{port:<name>}`).
     */
    network: z.enum(["bridge", "host"]).default("bridge"),
    /** Arguments after the image, with the same placeholders as env defaults. */
    command: z.array(z.string().max(500)).max(30).optional(),
    ports: z.array(port).min(1).max(10),
    env: z.array(env).max(40).default([]),
    volumes: z.array(volume).max(10).default([]),
    health,
    min: z.object({ cpus: z.number().positive().max(64), memoryMb: z.number().int().positive().max(1 << 20) }),
  })
  .superRefine((e, ctx) => {
    const names = new Set(e.ports.map((p) => p.name));
    const ref = "http" in e.health ? e.health.http.port : e.health.tcp.port;
    if (!names.has(ref)) ctx.addIssue({ code: "custom", path: ["health"], message: `names port "${ref}", which the entry does not have` });
    const unique = (xs: string[], where: string) => {
      const dup = xs.find((x, i) => xs.indexOf(x) !== i);
      if (dup) ctx.addIssue({ code: "custom", path: [where], message: `has "${dup}" twice` });
    };
    unique(e.ports.map((p) => p.name), "ports");
    unique(e.env.map((v) => v.name), "env");
    unique(e.volumes.map((v) => v.name), "volumes");
    for (const [i, v] of e.env.entries()) {
      if (v.pattern) {
        try {
          new RegExp(`^(?:${v.pattern})$`);
        } catch {
          ctx.addIssue({ code: "custom", path: ["env", i, "pattern"], message: "is not a valid regular expression" });
        }
      }
      if (v.secret && v.default) ctx.addIssue({ code: "custom", path: ["env", i, "default"], message: "a secret has no default: each deployment gets its own" });
      for (const p of placeholders(v.default ?? "")) if (p !== "address" && !names.has(p.replace(/^port:/, ""))) ctx.addIssue({ code: "custom", path: ["env", i, "default"], message: `names {${p}}, which the entry does not have` });
    }
  });

export type AppEntry = z.infer<typeof appEntrySchema>;
export type AppPort = AppEntry["ports"][number];
export type AppEnv = AppEntry["env"][number];

/** The `{…}` placeholders a value uses: `address` or `port:<name>`. */
export function placeholders(value: string): string[] {
  return [...value.matchAll(/\{([a-z:0-9-]+)\}/g)].map((m) => m[1]!);
}

export class CatalogError extends Error {
  override name = "CatalogError";
}

/** Every entry of the given folders, each file's problems named with its path and field. */
export function loadCatalog(dirs: readonly string[]): AppEntry[] {
  const entries: AppEntry[] = [];
  for (const dir of dirs) {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      const where = path.join(dir, file);
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(where, "utf8"));
      } catch (err) {
        throw new CatalogError(`${where}: not JSON (${(err as Error).message})`);
      }
      const parsed = appEntrySchema.safeParse(raw);
      if (!parsed.success) throw new CatalogError(`${where}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "entry"} ${i.message}`).join("; ")}`);
      if (parsed.data.id !== path.basename(file, ".json")) throw new CatalogError(`${where}: id "${parsed.data.id}" must match the file name`);
      if (entries.some((e) => e.id === parsed.data.id)) throw new CatalogError(`${where}: another folder already has an app "${parsed.data.id}"`);
      entries.push(parsed.data);
    }
  }
  return entries;
}

/** The catalog the repository ships. */
export const builtInCatalogDir = path.resolve(import.meta.dirname, "../catalog/apps");
