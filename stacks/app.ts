// The program of an app deployment's stack (`app-<slug>`): on its node, over SSH with the node's
// key and pinned host key, the image is found or pulled, the volumes made, and the container run
// with a restart policy, its ports on the node's address, its environment and Hoist's labels.
// Commands are fixed scripts with their values as arguments (stacks/shell.ts); the secret
// environment reaches the node only on the command's stdin, a secret input, never in its text.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { scriptLine } from "./shell.ts";

export interface AppPortSpec {
  name: string;
  /** Inside the container (bridge networking); with host networking the app listens on `host`. */
  container: number;
  /** On the node. */
  host: number;
  protocol: "tcp" | "udp";
}

/** What runs, with every placeholder resolved; none of it secret. */
export interface AppSpec {
  deploymentId: string;
  slug: string;
  image: string;
  tag: string;
  network: "bridge" | "host";
  /** The node's address: ports are published there, or the app listens there. */
  address: string;
  ports: AppPortSpec[];
  env: Record<string, string>;
  command: string[];
  volumes: { name: string; path: string }[];
  /** How Hoist knows the app is up (from the catalog entry); not part of what runs on the node. */
  health: { http: { port: string; path: string; expect?: number[] } } | { tcp: { port: string } };
}

export interface NodeConnection {
  host: string;
  port: number;
  user: string;
  /** The node's host key line (`ssh-ed25519 AAAA…`): the connection is refused if another answers. */
  hostKey: string;
  privateKey: pulumi.Input<string>;
}

export const containerName = (slug: string) => `hoist-${slug}`;
export const volumeName = (slug: string, volume: string) => `hoist-${slug}-${volume}`;
/** The label every container and volume Hoist makes carries: how drift checks and cleanups know them. */
export const DEPLOYMENT_LABEL = "hoist.deployment";

/** The container step's resource name: its start is when a deployment is "deploying". */
export const CONTAINER_RESOURCE = "container";
/** The resource holding the app's named volumes: its data. */
export const VOLUMES_RESOURCE = "volumes";

// Fixed scripts; their values come as arguments ($1 …).
const ENSURE_IMAGE = 'docker image inspect "$1" >/dev/null 2>&1 || docker pull "$1" >/dev/null; docker image inspect --format "{{.Id}}" "$1"';
const MAKE_VOLUMES = 'label="$1"; shift; for v; do docker volume create --label "$label" "$v" >/dev/null; done; echo "$@"';
const REMOVE_VOLUMES = 'for v; do docker volume rm --force "$v" >/dev/null; done';
// The environment file is written from stdin, readable by root only, and gone once docker read it.
const RUN_CONTAINER = [
  'name="$1"; shift',
  'umask 077; f=$(mktemp); trap \'rm -f "$f"\' EXIT',
  'cat > "$f"',
  'docker rm -f "$name" >/dev/null 2>&1 || true',
  'docker run --env-file "$f" "$@"',
].join("\n");
const REMOVE_CONTAINER = 'docker rm -f "$1" >/dev/null 2>&1 || true; if docker container inspect "$1" >/dev/null 2>&1; then echo "container $1 is still there" >&2; exit 1; fi';

// What a drift check reads of a deployment on its node: the container's state, image id and
// reference, what its tag resolves to now, and every container carrying the deployment's label.
// Only these fields are printed: `docker inspect` in full would show the secret environment.
const INSPECT_CONTAINER = [
  'name="$1"; ref="$2"; label="$3"',
  'printf "container="; docker container inspect --format "{{.State.Status}} {{.Image}} {{.Config.Image}}" "$name" 2>/dev/null || echo missing',
  'printf "image="; docker image inspect --format "{{.Id}}" "$ref" 2>/dev/null || echo missing',
  'printf "labelled="; docker ps -a --filter "label=$label" --format "{{.Names}}" | tr "\\n" " "; echo',
].join("\n");
const REMOVE_CONTAINERS = 'for c; do docker rm -f "$c" >/dev/null; done';

/** The drift check's inspection of a deployment on its node. */
export const inspectCommand = (spec: AppSpec, sudo: boolean) =>
  scriptLine(INSPECT_CONTAINER, [containerName(spec.slug), `${spec.image}:${spec.tag}`, `${DEPLOYMENT_LABEL}=${spec.deploymentId}`], { sudo, name: "hoist-inspect" });

/** Removes containers by name (ones carrying a deployment's label that its stack does not hold). */
export const removeContainersCommand = (names: string[], sudo: boolean) => scriptLine(REMOVE_CONTAINERS, names, { sudo, name: "hoist-remove" });

export interface Inspected {
  /** Absent when the container is gone. */
  container?: { status: string; imageId: string; imageRef: string };
  /** What the deployment's image reference resolves to on the node now; absent when it is not there. */
  imageId?: string;
  /** Every container carrying the deployment's label, by name. */
  labelled: string[];
}

export function parseInspect(stdout: string): Inspected {
  const kv = new Map(stdout.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).trim()] as const));
  const [status, imageId, imageRef] = (kv.get("container") ?? "missing").split(" ");
  const image = kv.get("image") ?? "missing";
  return {
    container: status && status !== "missing" ? { status, imageId: imageId ?? "", imageRef: imageRef ?? "" } : undefined,
    imageId: image && image !== "missing" ? image : undefined,
    labelled: (kv.get("labelled") ?? "").split(/\s+/).filter(Boolean),
  };
}

/** The argv after `docker run`: detached, restarting, labelled, published or on the host's network. */
export function runArguments(spec: AppSpec): string[] {
  const args = ["-d", "--name", containerName(spec.slug), "--restart", "unless-stopped", "--label", `${DEPLOYMENT_LABEL}=${spec.deploymentId}`];
  if (spec.network === "host") args.push("--network", "host");
  else for (const p of spec.ports) args.push("-p", `${spec.address}:${p.host}:${p.container}${p.protocol === "udp" ? "/udp" : ""}`);
  for (const [k, v] of Object.entries(spec.env)) args.push("-e", `${k}=${v}`);
  for (const v of spec.volumes) args.push("-v", `${volumeName(spec.slug, v.name)}:${v.path}`);
  args.push(`${spec.image}:${spec.tag}`, ...spec.command);
  return args;
}

/** The secret environment as docker's env file: one `NAME=value` line each (values never hold a newline). */
export function envFile(secretEnv: Record<string, string>): string {
  return Object.entries(secretEnv)
    .map(([k, v]) => {
      if (/[\r\n\0]/.test(v)) throw new Error(`${k}: a value cannot hold a line break`);
      return `${k}=${v}\n`;
    })
    .join("");
}

export function appProgram(spec: AppSpec, node: NodeConnection, secretEnv: pulumi.Input<Record<string, string>>): PulumiFn {
  return async () => {
    const sudo = node.user !== "root";
    const connection = { host: node.host, port: node.port, user: node.user, privateKey: pulumi.secret(node.privateKey), hostKey: node.hostKey, dialErrorLimit: 6, perDialTimeout: 10 };
    const ref = `${spec.image}:${spec.tag}`;
    const image = new command.remote.Command("image", { connection, create: scriptLine(ENSURE_IMAGE, [ref], { sudo, name: "hoist-image" }), triggers: [ref] });
    const names = spec.volumes.map((v) => volumeName(spec.slug, v.name));
    const volumes = names.length
      ? new command.remote.Command(VOLUMES_RESOURCE, {
          connection,
          create: scriptLine(MAKE_VOLUMES, [`${DEPLOYMENT_LABEL}=${spec.deploymentId}`, ...names], { sudo, name: "hoist-volumes" }),
          delete: scriptLine(REMOVE_VOLUMES, names, { sudo, name: "hoist-volumes" }),
        })
      : undefined;
    const container = new command.remote.Command(
      CONTAINER_RESOURCE,
      {
        connection,
        create: scriptLine(RUN_CONTAINER, [containerName(spec.slug), ...runArguments(spec)], { sudo, name: "hoist-run" }),
        delete: scriptLine(REMOVE_CONTAINER, [containerName(spec.slug)], { sudo, name: "hoist-remove" }),
        stdin: pulumi.secret(pulumi.output(secretEnv).apply(envFile)),
        // A new image build (same tag, another id) runs it again.
        triggers: [image.stdout],
      },
      // One name on the node: the old container must be gone before the new one is made.
      { dependsOn: volumes ? [image, volumes] : [image], deleteBeforeReplace: true },
    );
    return { containerId: container.stdout, imageId: image.stdout, container: containerName(spec.slug), volumes: names };
  };
}
