// `npm run testbed:ssh -- <server> [command…]`: an SSH session on one of the test bed's servers,
// as its operator would open one. Hoist keeps each server's private key encrypted; this decrypts
// it with the test bed's master key straight into a private ssh-agent (never onto disk), and
// trusts only the host key Hoist pinned when it configured the server.
//
// HOIST_DATA_DIR picks another console's data folder (default: the test bed's, .testbed/data).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { createDeps } from "../../server/deps.ts";
import { sshFingerprint } from "../../stacks/server.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { listServers } from "../../state/servers.ts";
import { sshPrivateKeyRef } from "../../state/sealed-columns.ts";
import { sshKeyById } from "../../state/ssh-keys.ts";

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fail = (message: string): never => {
  process.stderr.write(`testbed:ssh: ${message}\n`);
  process.exit(2);
};

const [name, ...command] = process.argv.slice(2);
if (!name) fail("usage: npm run testbed:ssh -- <server name> [command…]");

const dataDir = process.env.HOIST_DATA_DIR ?? path.join(repoDir, ".testbed", "data");
if (!fs.existsSync(path.join(dataDir, "hoist.db"))) fail(`no console data in ${dataDir}: start the test bed first (npm run testbed)`);
let config;
try {
  config = loadConfig({ ...process.env, HOIST_DATA_DIR: dataDir, HOIST_LOG_LEVEL: "error" });
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}
const deps = createDeps(config, { logDestination: new Writable({ write: (_c, _e, cb) => cb() }) });

const all = listServers(deps.db, { userId: "", all: true }).filter((s) => s.status !== "destroyed");
const server = all.find((s) => s.name === name);
if (!server) fail(`no server named "${name}"; there are: ${all.map((s) => s.name).join(", ") || "none"}`);
const node = nodeOfServer(deps.db, server!.id);
const key = node?.sshKeyId ? sshKeyById(deps.db, node.sshKeyId) : undefined;
if (!node || !key) fail(`${name} has no node yet (it is ${server!.status}); wait until it is ready`);
if (!node!.hostKeyFingerprint) fail(`${name} has no pinned host key`);

// The host's keys as it presents them now, kept only if one is the key Hoist pinned.
const scan = spawnSync("ssh-keyscan", ["-p", String(node!.sshPort), "-T", "5", node!.address], { encoding: "utf8" });
const pinned = scan.stdout
  .split("\n")
  .map((line) => line.trim().split(/\s+/))
  .find((f) => f.length >= 3 && sshFingerprint(`${f[1]} ${f[2]}`) === node!.hostKeyFingerprint);
if (!pinned) fail(`${name} (${node!.address}:${node!.sshPort}) does not present the host key Hoist pinned (${node!.hostKeyFingerprint}); is it running?`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-testbed-ssh-"));
const knownHosts = path.join(dir, "known_hosts");
fs.writeFileSync(knownHosts, `${pinned!.join(" ")}\n`);
const socket = path.join(dir, "agent.sock");
const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
const cleanUp = () => {
  agent.kill();
  fs.rmSync(dir, { recursive: true, force: true });
  deps.close();
};
for (let i = 0; i < 50 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
const env = { ...process.env, SSH_AUTH_SOCK: socket };
const added = spawnSync("ssh-add", ["-q", "-"], { env, input: deps.keyring.open(key!.privateKey, sshPrivateKeyRef(key!.id)).reveal(), encoding: "utf8" });
if (added.status !== 0) {
  cleanUp();
  fail(`ssh-add refused the key: ${added.stderr.trim()}`);
}

const ssh = spawn(
  "ssh",
  ["-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR", "-p", String(node!.sshPort), `${node!.sshUser}@${node!.address}`, ...command],
  { env, stdio: "inherit" },
);
ssh.on("exit", (code, signal) => {
  cleanUp();
  process.exit(code ?? (signal ? 1 : 0));
});
