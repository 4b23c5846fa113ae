// The node check against a real emulated host: online only when the host key, the login and the
// node identity all match.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkNode } from "../../engine/ssh-check.ts";
import { generateKeyPair } from "../../engine/ssh-keys.ts";
import { HostPool, type Host } from "../emulators/hosts.ts";

let pool: HostPool;
let host: Host;
const key = generateKeyPair("check-test");
const nodeId = "6b685f20-be8d-43c1-b69c-fb36e8d6e3c9";

beforeAll(async () => {
  pool = await HostPool.create();
  host = await pool.start("checked", [key.publicKey]);
  fs.mkdirSync(path.join(host.rootDir, "etc/hoist"), { recursive: true });
  fs.writeFileSync(path.join(host.rootDir, "etc/hoist/node-id"), `${nodeId}\n`);
});
afterAll(async () => {
  await pool?.close();
});

const target = (over: Partial<Parameters<typeof checkNode>[0]> = {}) => ({
  host: host.address,
  port: 22,
  user: "root",
  privateKey: key.privateKey,
  hostKeyFingerprint: host.hostKeyFingerprint,
  nodeId,
  ...over,
});

it("is online when host key, login and identity match", async () => {
  expect(await checkNode(target())).toEqual({ state: "online", reason: null });
});

it("refuses a host presenting another key", async () => {
  const r = await checkNode(target({ hostKeyFingerprint: "SHA256:AW8W3eNqn/txj94zHV1iCmycfH8+6QzCufYpqeAc3u8" }));
  expect(r.state).toBe("offline");
  expect(r.reason).toBe(`host key changed: expected SHA256:AW8W3eNqn/txj94zHV1iCmycfH8+6QzCufYpqeAc3u8, got ${host.hostKeyFingerprint}`);
});

it("never accepts a host key it has not pinned, and does not even connect", async () => {
  // Port 1 refuses connections: a check that tried would say ECONNREFUSED.
  const r = await checkNode(target({ hostKeyFingerprint: null, host: "127.0.0.1", port: 1 }));
  expect(r).toEqual({ state: "offline", reason: "Hoist has no pinned host key for this node (its configure step reported none) and never accepts an unpinned one" });
  expect(await checkNode(target({ hostKeyFingerprint: "" }))).toMatchObject({ state: "offline" });
});

it("notices another node answering at the address", async () => {
  const r = await checkNode(target({ nodeId: "00000000-0000-4000-8000-000000000000" }));
  expect(r).toEqual({ state: "offline", reason: `the server answering at ${host.address} is another node (6b685f20…)` });
});

it("reports a key the server does not accept", async () => {
  const r = await checkNode(target({ privateKey: generateKeyPair("stranger").privateKey }));
  expect(r.state).toBe("offline");
  expect(r.reason).toMatch(/All configured authentication methods failed/);
});
