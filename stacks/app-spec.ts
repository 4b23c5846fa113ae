// From a catalog entry and an operator's choices to what runs: every port and setting checked by
// the entry's rules (each problem naming its field), placeholders resolved, and the secret
// settings kept apart from the rest.
import type { AppEntry } from "./app-catalog.ts";
import { placeholders } from "./app-catalog.ts";
import type { AppSpec } from "./app.ts";

export interface AppChoices {
  /** Ports on the node, by the entry's port name; the entry's defaults where absent. */
  ports: Record<string, unknown>;
  /** Settings by variable name; absent ones get the entry's default, secrets keep `keep`'s value. */
  env: Record<string, unknown>;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Built {
  spec: AppSpec;
  secretEnv: Record<string, string>;
  problems: FieldProblem[];
}

/** Resolves `{address}` and `{port:<name>}` in a value. */
function resolve(value: string, address: string, ports: Record<string, number>): string {
  return placeholders(value).reduce((v, p) => v.replaceAll(`{${p}}`, p === "address" ? address : String(ports[p.slice("port:".length)] ?? "")), value);
}

/**
 * The spec of a deployment of `entry` at `address`. `keepSecrets` are the secret values already
 * stored (an update that leaves a secret empty keeps it); `heldPorts` are ports taken on the node.
 */
export function buildSpec(
  entry: AppEntry,
  at: { deploymentId: string; slug: string; address: string },
  choices: AppChoices,
  opts: { heldPorts?: ReadonlyMap<number, string>; keepSecrets?: Record<string, string> } = {},
): Built {
  const problems: FieldProblem[] = [];
  const ports: Record<string, number> = {};
  for (const p of entry.ports) {
    const raw = choices.ports[p.name];
    const value = raw === undefined || raw === "" ? p.default : Number(raw);
    const field = `ports.${p.name}`;
    if (!Number.isInteger(value) || value < 1 || value > 65535) problems.push({ field, message: "must be a port number from 1 to 65535" });
    else if (Object.values(ports).includes(value)) problems.push({ field, message: `is already ${entry.ports.find((q) => ports[q.name] === value)!.label}'s port` });
    else if (opts.heldPorts?.has(value)) problems.push({ field, message: `${value} is taken on this node (${opts.heldPorts.get(value)})` });
    ports[p.name] = value;
  }
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  for (const v of entry.env) {
    const field = `env.${v.name}`;
    const given = v.fixed ? undefined : choices.env[v.name];
    if (given !== undefined && typeof given !== "string") {
      problems.push({ field, message: "must be text" });
      continue;
    }
    const value = given !== undefined && given !== "" ? given : v.secret ? (opts.keepSecrets?.[v.name] ?? "") : resolve(v.default ?? "", at.address, ports);
    if (/[\r\n\0]/.test(value)) problems.push({ field, message: "must be one line" });
    else if (value === "") {
      if (v.required) problems.push({ field, message: "is required" });
    } else if (v.pattern && !new RegExp(`^(?:${v.pattern})$`).test(value)) problems.push({ field, message: v.message ?? `must match ${v.pattern}` });
    if (value === "") continue;
    (v.secret ? secretEnv : env)[v.name] = value;
  }
  const spec: AppSpec = {
    deploymentId: at.deploymentId,
    slug: at.slug,
    image: entry.image,
    tag: entry.tag,
    network: entry.network,
    address: at.address,
    // With host networking the app listens on the node's port itself.
    ports: entry.ports.map((p) => ({ name: p.name, container: entry.network === "host" ? ports[p.name]! : p.container, host: ports[p.name]!, protocol: p.protocol })),
    env,
    command: (entry.command ?? []).map((c) => resolve(c, at.address, ports)),
    volumes: entry.volumes.map((v) => ({ name: v.name, path: v.path })),
    health: entry.health,
  };
  return { spec, secretEnv, problems };
}

/**
 * The same deployment's spec on another node at `address`: what the entry derives from the node's
 * address (fixed settings such as `{address}`) is derived again; the operator's choices stay.
 */
export function specAt(entry: AppEntry | undefined, spec: AppSpec, address: string): AppSpec {
  const ports = Object.fromEntries(spec.ports.map((p) => [p.name, p.host]));
  const env = { ...spec.env };
  for (const v of entry?.env ?? []) if (v.fixed && !v.secret && v.default !== undefined && v.name in env) env[v.name] = resolve(v.default, address, ports);
  // Without its entry, a value that was the old address is taken to be derived from it.
  if (!entry) for (const [k, v] of Object.entries(env)) if (v === spec.address) env[k] = address;
  return { ...spec, address, env };
}
