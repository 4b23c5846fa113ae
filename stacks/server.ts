// What every cloud's server program shares: the name rule most clouds have, the configure step
// over SSH and the outputs that register the node. Each adapter creates its own key, firewall
// and server, then calls these.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { ServerSpec, ServerSupport } from "./cloud.ts";
import { scriptLine } from "./shell.ts";

/** Inbound ports a server's firewall opens unless the operator chose others: SSH, and the web's. */
export const DEFAULT_FIREWALL_PORTS: readonly number[] = [22, 80, 443];
/** Hoist reaches every node over SSH: its firewall always lets port 22 in. */
export const SSH_PORT = 22;
/** The server resource's name in every adapter's program: what a rebuild replaces, and what holds the server's data. */
export const SERVER_RESOURCE = "server";
export const AGENT_USER = "hoist";
/** The configure step's resource name; the engine watches for it to report "configuring". */
export const CONFIGURE_RESOURCE = "configure";

/** A server name that is a valid hostname (RFC 1123 label), as Hetzner, DigitalOcean and EC2's Name tag take it. */
export const hostname: ServerSupport["name"] = {
  pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  maxLength: 63,
  message: "must be a hostname: lower-case letters, digits and hyphens, not starting or ending with a hyphen",
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const userName = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * The script that prepares a server, idempotently: waits for cloud-init where there is one,
 * creates the agent user, writes the node identity, installs the operator's keys for the login
 * user, and prints facts and the host key as `key=value` lines. POSIX sh, so it runs on Debian,
 * Ubuntu and busybox alike. Its values come as arguments: $1 node id, $2 login user, then keys.
 */
const CONFIGURE_SCRIPT = `set -eu
node_id=$1; login=$2; shift 2
if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi
if ! id ${AGENT_USER} >/dev/null 2>&1; then
  if command -v useradd >/dev/null 2>&1; then useradd --system --create-home --shell /bin/sh ${AGENT_USER}
  else adduser -D -s /bin/sh ${AGENT_USER}; fi
fi
mkdir -p /etc/hoist
printf '%s\\n' "$node_id" > /etc/hoist/node-id
home=$(awk -F: -v u="$login" '$1 == u { print $6 }' /etc/passwd)
if [ -z "$home" ]; then echo "the login user $login has no home" >&2; exit 3; fi
keys="$home/.ssh/authorized_keys"
mkdir -p "$home/.ssh"
touch "$keys"
sed -i '/^# BEGIN hoist operator keys$/,/^# END hoist operator keys$/d' "$keys"
if [ $# -gt 0 ]; then { echo '# BEGIN hoist operator keys'; printf '%s\\n' "$@"; echo '# END hoist operator keys'; } >> "$keys"; fi
chmod 700 "$home/.ssh"
chmod 600 "$keys"
chown -R "$login" "$home/.ssh"
# Apps run in containers: Docker Engine from the image's own packages where it is missing.
if ! command -v docker >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    if ! (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq docker.io) >/dev/null 2>&1; then echo "could not install docker.io" >&2; fi
  elif command -v dnf >/dev/null 2>&1; then dnf install -y -q docker >/dev/null 2>&1 || echo "could not install docker" >&2
  fi
  if command -v systemctl >/dev/null 2>&1; then systemctl enable --now docker >/dev/null 2>&1 || true; fi
fi
os=$( (. /etc/os-release && printf '%s' "$PRETTY_NAME") 2>/dev/null || uname -s)
cpus=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null || nproc)
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
disk_kb=$(df -Pk / 2>/dev/null | awk 'NR==2 {print $2}')
echo "os=$os"
echo "cpus=$cpus"
echo "memory_kb=\${mem_kb:-0}"
echo "disk_kb=\${disk_kb:-0}"
echo "arch=$(uname -m)"
echo "docker=$(docker --version 2>/dev/null || echo missing)"
echo "hostkey=$(cat /etc/ssh/ssh_host_ed25519_key.pub 2>/dev/null || true)"
echo "node=$(cat /etc/hoist/node-id)"`;

/** The configure step's command line: the fixed script with its values as arguments, through sudo unless the login user is root. */
export function configureCommand(nodeId: string, loginUser: string, operatorKeys: readonly string[]): string {
  // Checked anyway, though Hoist made them: they become arguments of a root shell.
  if (!uuid.test(nodeId)) throw new Error(`node id must be a UUID, got ${JSON.stringify(nodeId)}`);
  if (!userName.test(loginUser)) throw new Error(`login user must be a Unix user name, got ${JSON.stringify(loginUser)}`);
  for (const key of operatorKeys) if (!isPublicKeyLine(key)) throw new Error(`not an OpenSSH public key: ${JSON.stringify(key.slice(0, 40))}`);
  return scriptLine(CONFIGURE_SCRIPT, [nodeId, loginUser, ...operatorKeys], { sudo: loginUser !== "root", name: "hoist-configure" });
}

const keyTypes = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"];

/** One OpenSSH public key line: a known type, its base64 blob (naming the same type), an optional comment on one line. */
export function isPublicKeyLine(line: string): boolean {
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,3})(?: ([^\r\n]*))?$/.exec(line);
  if (!m || !keyTypes.includes(m[1]!)) return false;
  const blob = Buffer.from(m[2]!, "base64");
  // The blob starts with its own type name, length-prefixed.
  const n = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  return n > 0 && blob.length >= 4 + n && blob.subarray(4, 4 + n).toString() === m[1];
}

export interface Facts {
  os: string;
  cpus: number;
  memoryMb: number;
  diskGb: number;
  arch: string;
  /** `docker --version`, or "missing": whether apps can run on the node. */
  docker: string;
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
      docker: kv.get("docker") ?? "missing",
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

/** The configure step: SSH into the new server as its login user and prepare it. */
export function configureStep(spec: ServerSpec, at: { host: pulumi.Input<string>; user: string; dependsOn: pulumi.Resource[] }): command.remote.Command {
  return new command.remote.Command(
    CONFIGURE_RESOURCE,
    {
      connection: {
        host: at.host,
        port: 22,
        user: at.user,
        privateKey: pulumi.secret(spec.sshPrivateKey),
        // A new server needs a while before sshd answers: up to 40 tries of 10 s.
        dialErrorLimit: 40,
        perDialTimeout: 10,
      },
      create: configureCommand(spec.nodeId, at.user, spec.operatorKeys),
      // A retry or a changed host runs it again.
      triggers: [at.host],
    },
    { dependsOn: at.dependsOn },
  );
}

export interface CloudServerParts {
  providerId: pulumi.Output<string>;
  ipv4: pulumi.Output<string>;
  sshUser: string;
  /** Whether the provider reports the server running (a resize may leave it powered off). */
  running: pulumi.Output<boolean>;
}

/** The stack outputs that register the node. */
export function serverOutputs(spec: ServerSpec, parts: CloudServerParts, configure: command.remote.Command) {
  const parsed = configure.stdout.apply(parseConfigureOutput);
  return {
    providerId: parts.providerId,
    ipv4: parts.ipv4,
    sshPort: 22,
    sshUser: parts.sshUser,
    hostKeyFingerprint: parsed.apply((p) => sshFingerprint(p.hostKey)),
    hostKey: parsed.apply((p) => p.hostKey),
    region: spec.region,
    size: spec.size,
    image: spec.image,
    priceMonthly: spec.priceMonthly ?? "",
    facts: parsed.apply((p) => p.facts),
    nodeId: parsed.apply((p) => p.nodeId),
    running: parts.running,
  };
}
