// The periodic node check never overlaps itself: a pass still running (slow or unreachable
// nodes) is joined by the next tick instead of starting a second round of SSH connections.
import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generateKeyPair } from "../../engine/ssh-keys.ts";
import { upsertServerNode } from "../../state/nodes.ts";
import { sshPrivateKeyRef } from "../../state/sealed-columns.ts";
import { insertServer, updateServer } from "../../state/servers.ts";
import { insertSshKey } from "../../state/ssh-keys.ts";
import { insertUser } from "../../state/users.ts";
import { startConsole, type TestConsole } from "../support/console.ts";

let t: TestConsole;
let silent: net.Server;
let connections = 0;

beforeAll(async () => {
  // Accepts SSH connections and says nothing for a while: a node that hangs.
  silent = net.createServer((socket) => {
    connections++;
    setTimeout(() => socket.destroy(), 500);
  });
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t = startConsole();
  const user = insertUser(t.deps.db, { email: "ops@example.com", name: "Ops", role: "admin", state: "active" });
  const pair = generateKeyPair("check");
  const keyId = randomUUID();
  insertSshKey(t.deps.db, { id: keyId, userId: user.id, name: "k", publicKey: pair.publicKey, privateKey: t.deps.keyring.seal(pair.privateKey, sshPrivateKeyRef(keyId)), fingerprint: pair.fingerprint });
  const nodeId = randomUUID();
  const server = insertServer(t.deps.db, { userId: user.id, credentialId: null, sshKeyId: keyId, name: "slow", stack: "server-slow", cloud: "hetzner", region: "fsn1", size: "cx22", image: "debian-12", spec: { nodeId }, priceMonthly: null });
  updateServer(t.deps.db, server.id, { status: "ready" });
  const port = (silent.address() as net.AddressInfo).port;
  upsertServerNode(t.deps.db, { id: nodeId, serverId: server.id, userId: user.id, sshKeyId: keyId, name: "slow", address: "127.0.0.1", sshPort: port, sshUser: "root", hostKeyFingerprint: "SHA256:AW8W3eNqn/txj94zHV1iCmycfH8+6QzCufYpqeAc3u8", cloud: "hetzner", region: "fsn1", size: "cx22", facts: null });
});
afterAll(async () => {
  t?.close();
  await new Promise((r) => silent?.close(r));
});

it("joins a node check that is still running instead of starting another", async () => {
  const ticks = [t.deps.engine.checkNodes(), t.deps.engine.checkNodes(), t.deps.engine.checkNodes()];
  await Promise.all(ticks);
  expect(connections).toBe(1);
  // Once it is over, the next tick checks again.
  await t.deps.engine.checkNodes();
  expect(connections).toBe(2);
});
