// Docker on one emulated server (HostSpec.docker): the `docker` CLI in its root filesystem, its
// own /var/run/docker.sock (socket-proxy.ts), and its containers following its power: a server
// powered off loses its running containers, and powering it on starts again those a real
// server's dockerd would restart at boot (restart policy always, unless-stopped, on-failure).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { DockerDaemon } from "./daemon.ts";
import { DOCKER_CLI } from "./daemon.ts";
import { HOST_LABEL } from "./scope.ts";

/** The docker group inside the servers (the socket's group, as docker.io's package makes it). */
export const DOCKER_GID = 990;

/**
 * The CLI and the libraries it links to, copied once into the pool's folder: servers get hard
 * links to this copy, never to this machine's files (root on a server could write through them).
 */
export function poolCliCopy(poolDir: string): string {
  const dir = path.join(poolDir, ".docker-cli");
  if (fs.existsSync(path.join(dir, "done"))) return dir;
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const file of [DOCKER_CLI, ...linkedLibraries(DOCKER_CLI)]) {
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
    fs.copyFileSync(file, to);
    fs.chmodSync(to, 0o755);
  }
  fs.writeFileSync(path.join(dir, "done"), "");
  return dir;
}

/** The shared objects a dynamically linked program loads (from ldd), absolute paths. */
function linkedLibraries(program: string): string[] {
  const out = execFileSync("ldd", [program], { encoding: "utf8" });
  return out
    .split("\n")
    .map((line) => /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)/.exec(line)?.[1])
    .filter((p): p is string => p !== undefined);
}

/** Puts the CLI into a server's root and gives it /var/run and the docker group. */
export function installDockerCli(rootDir: string, cliDir: string): void {
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(cliDir, rel))) {
      const from = path.join(cliDir, rel, name);
      const to = path.join(rootDir, rel, name);
      if (fs.statSync(from).isDirectory()) {
        fs.mkdirSync(to, { recursive: true, mode: 0o755 });
        walk(path.join(rel, name));
      } else if (name !== "done") {
        fs.rmSync(to, { force: true });
        try {
          fs.linkSync(from, to);
        } catch {
          fs.copyFileSync(from, to);
        }
      }
    }
  };
  walk("");
  const varRun = path.join(rootDir, "var/run");
  if (!fs.existsSync(varRun)) fs.symlinkSync("/run", varRun);
  const group = path.join(rootDir, "etc/group");
  if (!/^docker:/m.test(fs.readFileSync(group, "utf8"))) fs.appendFileSync(group, `docker:x:${DOCKER_GID}:\n`);
}

/** The server's socket, where its CLI looks by default. */
export const socketIn = (rootDir: string) => path.join(rootDir, "run/docker.sock");

const POWER_FILE = "docker-power-off.json";
const RESTARTING = ["always", "unless-stopped", "on-failure"];

async function containersOf(daemon: DockerDaemon, hostId: string, all: boolean): Promise<string[]> {
  const out = await daemon.cli(["ps", "-q", "--no-trunc", ...(all ? ["-a"] : []), "--filter", `label=${HOST_LABEL}=${hostId}`]);
  return out.split("\n").filter(Boolean);
}

/**
 * Power off: stops the server's running containers, and remembers (in the host's folder) those
 * a boot would start again. Merges with what an earlier power-off remembered.
 */
export async function powerOffContainers(daemon: DockerDaemon, hostId: string, hostDir: string): Promise<void> {
  const running = await containersOf(daemon, hostId, false);
  if (running.length === 0) return;
  const policies = await daemon.cli(["inspect", "--format", "{{.Id}} {{.HostConfig.RestartPolicy.Name}}", ...running]);
  const boot = policies
    .split("\n")
    .map((l) => l.split(" "))
    .filter(([, policy]) => RESTARTING.includes(policy ?? ""))
    .map(([id]) => id!);
  const file = path.join(hostDir, POWER_FILE);
  const earlier = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as string[]) : [];
  fs.writeFileSync(file, JSON.stringify([...new Set([...earlier, ...boot])]) + "\n");
  await daemon.cli(["stop", "--time", "2", ...running]);
}

/** Power on: starts the containers the last power-off remembered, those that still exist. */
export async function powerOnContainers(daemon: DockerDaemon, hostId: string, hostDir: string): Promise<void> {
  const file = path.join(hostDir, POWER_FILE);
  if (!fs.existsSync(file)) return;
  const wanted = new Set(JSON.parse(fs.readFileSync(file, "utf8")) as string[]);
  const existing = (await containersOf(daemon, hostId, true)).filter((id) => wanted.has(id));
  if (existing.length > 0) await daemon.cli(["start", ...existing]);
  fs.rmSync(file, { force: true });
}

/** The server is deleted: its containers and volumes go. */
export async function removeContainers(daemon: DockerDaemon, hostId: string): Promise<void> {
  const all = await containersOf(daemon, hostId, true);
  if (all.length > 0) await daemon.cli(["rm", "-f", "-v", ...all]);
  const volumes = (await daemon.cli(["volume", "ls", "-q", "--filter", `label=${HOST_LABEL}=${hostId}`])).split("\n").filter(Boolean);
  if (volumes.length > 0) await daemon.cli(["volume", "rm", "-f", ...volumes]);
}

/** Containers and volumes whose server the pool does not know (a crash, a reset): removed. */
export async function removeOrphans(daemon: DockerDaemon, known: (hostId: string) => boolean): Promise<void> {
  const labelled = await daemon.cli(["ps", "-a", "--filter", `label=${HOST_LABEL}`, "--format", `{{.ID}} {{.Label "${HOST_LABEL}"}}`]);
  const hosts = new Set(
    labelled
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ")[1]!),
  );
  const volumes = await daemon.cli(["volume", "ls", "--filter", `label=${HOST_LABEL}`, "--format", `{{.Label "${HOST_LABEL}"}}`]);
  for (const v of volumes.split("\n").filter(Boolean)) hosts.add(v);
  for (const id of hosts) if (!known(id)) await removeContainers(daemon, id);
}
