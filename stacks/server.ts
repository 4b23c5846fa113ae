// What every cloud's server program shares: the configure step over SSH and the outputs that
// register the node. Each adapter creates its own key, firewall and server, then calls these.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { ServerSpec } from "./cloud.ts";

/** Inbound ports a server's firewall opens: SSH, and the ports apps are published on. */
export const firewallPorts = [22, 80, 443] as const;

export const SSH_USER = "root";
export const AGENT_USER = "hoist";

/** The configure step's resource name; the engine watches for it to report "configuring". */
export const CONFIGURE_RESOURCE = "configure";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The script that prepares a server, idempotently: waits for cloud-init where there is one,
 * creates the agent user, writes the node identity file, and prints facts and the host key as
 * `key=value` lines. POSIX sh, so it runs on Debian, Ubuntu and busybox alike.
 */
export function configureScript(nodeId: string): string {
  // The id is Hoist's own UUID; checked anyway, since it is written into a shell script.
  if (!uuid.test(nodeId)) throw new Error(`node id must be a UUID, got ${JSON.stringify(nodeId)}`);
  return [
    "set -eu",
    "if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi",
    `if ! id ${AGENT_USER} >/dev/null 2>&1; then`,
    `  if command -v useradd >/dev/null 2>&1; then useradd --system --create-home --shell /bin/sh ${AGENT_USER};`,
    `  else adduser -D -s /bin/sh ${AGENT_USER}; fi`,
    "fi",
    "mkdir -p /etc/hoist",
    `printf '%s\\n' '${nodeId}' > /etc/hoist/node-id`,
    "os=$( (. /etc/os-release && printf '%s' \"$PRETTY_NAME\") 2>/dev/null || uname -s)",
    "cpus=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null || nproc)",
    "mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)",
    "disk_kb=$(df -Pk / 2>/dev/null | awk 'NR==2 {print $2}')",
    "echo \"os=$os\"",
    "echo \"cpus=$cpus\"",
    "echo \"memory_kb=${mem_kb:-0}\"",
    "echo \"disk_kb=${disk_kb:-0}\"",
    "echo \"arch=$(uname -m)\"",
    "echo \"hostkey=$(cat /etc/ssh/ssh_host_ed25519_key.pub 2>/dev/null || true)\"",
    `echo "node=$(cat /etc/hoist/node-id)"`,
  ].join("\n");
}

export interface Facts {
  os: string;
  cpus: number;
  memoryMb: number;
  diskGb: number;
  arch: string;
}

/** The configure step's `key=value` lines as facts, host key and node id. */
export function parseConfigureOutput(stdout: string | undefined): { facts: Facts; hostKey: string; nodeId: string } {
  const kv = new Map<string, string>();
  // Undefined when the program runs for a refresh or destroy of a step that never ran.
  for (const line of (stdout ?? "").split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const num = (k: string) => Number(kv.get(k) ?? 0) || 0;
  return {
    facts: {
      os: kv.get("os") ?? "unknown",
      cpus: num("cpus"),
      memoryMb: Math.round(num("memory_kb") / 1024),
      diskGb: Math.round(num("disk_kb") / 1024 / 1024),
      arch: kv.get("arch") ?? "unknown",
    },
    hostKey: kv.get("hostkey") ?? "",
    nodeId: kv.get("node") ?? "",
  };
}

/** `SHA256:…` of an OpenSSH public key line, as `ssh-keygen -l` prints it. */
export function sshFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? "", "base64");
  if (blob.length === 0) return "";
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** The configure step: SSH into the new server and prepare it. */
export function configureStep(spec: ServerSpec, host: pulumi.Input<string>, dependsOn: pulumi.Resource[]): command.remote.Command {
  return new command.remote.Command(
    CONFIGURE_RESOURCE,
    {
      connection: {
        host,
        port: 22,
        user: SSH_USER,
        privateKey: pulumi.secret(spec.sshPrivateKey),
        // A new server needs a while before sshd answers: up to 40 tries of 10 s.
        dialErrorLimit: 40,
        perDialTimeout: 10,
      },
      create: configureScript(spec.nodeId),
      // A retry or a changed host runs it again.
      triggers: [host],
    },
    { dependsOn },
  );
}

export interface CloudServerParts {
  providerId: pulumi.Output<string>;
  ipv4: pulumi.Output<string>;
}

/** The stack outputs that register the node. */
export function serverOutputs(spec: ServerSpec, parts: CloudServerParts, configure: command.remote.Command) {
  const parsed = configure.stdout.apply(parseConfigureOutput);
  return {
    providerId: parts.providerId,
    ipv4: parts.ipv4,
    sshPort: 22,
    sshUser: SSH_USER,
    hostKeyFingerprint: parsed.apply((p) => sshFingerprint(p.hostKey)),
    region: spec.region,
    size: spec.size,
    image: spec.image,
    priceMonthly: spec.priceMonthly ?? "",
    facts: parsed.apply((p) => p.facts),
    nodeId: parsed.apply((p) => p.nodeId),
  };
}
