// Kept servers keep their containers (`npm run testbed` restarts): the pool's daemon keeps its
// data with the servers, and a server's containers come back as its power says, as a reboot
// of a real server brings back what its restart policies ask for.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sshRun } from "../../support/ssh.ts";
import { startHetznerEmulator } from "../hetzner/emulator.ts";
import { apiClient } from "../hetzner/test-client.ts";
import { HostPool, testbedBase } from "../hosts.ts";

// Named like a pool of this process, so that the run's leftover check knows what runs in it.
const keep = path.join(testbedBase, `pool-${process.pid}-kept-${randomBytes(3).toString("hex")}`);
let scratch: string;
let key: { publicKey: string; privateKey: Buffer };

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-kept-docker-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "kept-docker", "-f", path.join(scratch, "id")]);
  key = { publicKey: fs.readFileSync(path.join(scratch, "id.pub"), "utf8").trim(), privateKey: fs.readFileSync(path.join(scratch, "id")) };
});

afterAll(() => {
  fs.rmSync(keep, { recursive: true, force: true });
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const page = (address: string) => fetch(`http://${address}:8080/`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text(), () => "no answer");

async function until(address: string, text: string, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  let got = await page(address);
  while (!got.includes(text) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    got = await page(address);
  }
  return got;
}

const httpd = (address: string, policy: string, greeting: string) =>
  `docker run -d --name web --network host --restart ${policy} -e HOST=${address} -e PORT=8080 -e GREETING=${greeting} hoist-test/httpd:1 >/dev/null`;

it("gives a kept server its containers back when it is on, and when it is powered on later", async () => {
  const stateFile = path.join(scratch, "hetzner.json");
  const first = await HostPool.create(testbedBase, { keep });
  let on: { id: number; ip: string };
  let off: { id: number; ip: string };
  let daemonPid: number;
  try {
    const emu = await startHetznerEmulator({ hosts: first, actionMs: 50, stateFile, docker: true });
    try {
      const api = apiClient(emu);
      const sshKey = (await api.post("/ssh_keys", { name: "k", public_key: key.publicKey })).body.ssh_key;
      const made = await Promise.all(["on", "off"].map((name) => api.createServer({ name, ssh_keys: [sshKey.id] })));
      [on, off] = made.map((s) => ({ id: s.id as number, ip: s.public_net.ipv4.ip as string })) as [typeof on, typeof off];
      await sshRun(on.ip, key.privateKey, httpd(on.ip, "unless-stopped", "back"));
      await sshRun(off.ip, key.privateKey, httpd(off.ip, "always", "later"));
      expect(await until(off.ip, "later")).toContain("later");
      await api.serverAction(off.id, "poweroff");
      expect(await page(off.ip)).toBe("no answer");
      daemonPid = (await first.docker()).pid;
    } finally {
      await emu.stop();
    }
  } finally {
    await first.close();
  }
  expect(() => process.kill(daemonPid, 0)).toThrow();

  const second = await HostPool.create(testbedBase, { keep });
  try {
    const emu = await startHetznerEmulator({ hosts: second, actionMs: 50, stateFile, docker: true });
    try {
      expect(await until(on.ip, "back")).toContain("<p>back</p>");
      // Its dockerd restarted the `always` container with the daemon; the server is off, so it is not running.
      expect(await page(off.ip)).toBe("no answer");
      expect(await sshRun(on.ip, key.privateKey, "docker ps --format '{{.Names}}'")).toBe("web\n");

      const api = apiClient(emu);
      await api.serverAction(off.id, "poweron");
      expect(await until(off.ip, "later")).toContain("<p>later</p>");
      for (const id of [on.id, off.id]) await api.settle((await api.del(`/servers/${id}`)).body.action.id);
      expect(await (await second.docker()).cli(["ps", "-aq"])).toBe("");
    } finally {
      await emu.stop();
    }
  } finally {
    await second.close();
  }
});
