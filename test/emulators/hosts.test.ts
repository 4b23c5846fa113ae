// Emulated servers log in as their images do: root where the image is a root-login one, or the
// image's login user with passwordless sudo, root being answered with the images' refusal. A
// pool that keeps its servers gives them back, at their address, to the next such pool.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshExec, sshRun } from "../support/ssh.ts";
import { HostAddressTakenError } from "./host-keep.ts";
import { releaseAddress, tryLease } from "./host-leases.ts";
import { HostPool, testbedBase, type Host } from "./hosts.ts";

let pool: HostPool;
let dir: string;
let key: { publicKey: string; privateKey: Buffer };

beforeAll(async () => {
  pool = await HostPool.create();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-hosts-test-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hosts-test", "-f", path.join(dir, "id")]);
  key = { publicKey: fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim(), privateKey: fs.readFileSync(path.join(dir, "id")) };
});

afterAll(async () => {
  await pool?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const as = (host: Host, user: string, command: string) => sshExec(host.address, key.privateKey, command, { user, hostKey: host.hostPublicKey });

describe("a root-login image (Hetzner, DigitalOcean)", () => {
  it("lets root in and nobody else", async () => {
    const host = await pool.start("login-root", [key.publicKey]);
    try {
      expect(host.loginUser).toBe("root");
      expect((await as(host, "root", "id -u")).stdout).toBe("0\n");
      // ubuntu and admin exist on this machine (sshd needs them), but not on this server.
      await expect(as(host, "ubuntu", "true")).rejects.toThrow(/authentication methods failed/);
      expect(fs.readFileSync(path.join(host.rootDir, "root/.ssh/authorized_keys"), "utf8").trim()).toBe(key.publicKey);
    } finally {
      await pool.remove(host.id);
    }
  });
});

describe("keys the server itself holds", () => {
  it("lets in a key its login user's ~/.ssh/authorized_keys lists, as a real sshd does", async () => {
    const host = await pool.start("login-own-keys", []);
    try {
      await expect(as(host, "root", "true")).rejects.toThrow(/authentication methods failed/);
      fs.mkdirSync(path.join(host.rootDir, "root/.ssh"), { recursive: true });
      fs.writeFileSync(path.join(host.rootDir, "root/.ssh/authorized_keys"), `${key.publicKey}\n`);
      expect((await as(host, "root", "id -u")).stdout).toBe("0\n");
    } finally {
      await pool.remove(host.id);
    }
  });
});

describe("an Ubuntu image (login user ubuntu)", () => {
  let host: Host;
  let other: Host;
  beforeAll(async () => {
    [host, other] = await Promise.all([pool.start("login-ubuntu", [key.publicKey], { loginUser: "ubuntu" }), pool.start("login-other", [key.publicKey])]);
  });

  it("answers root's key as EC2's images do, and lets ubuntu in without root's rights", async () => {
    const root = await as(host, "root", "id -u");
    expect(root.stdout).toBe('Please login as the user "ubuntu" rather than the user "root".\n\n');
    expect(root.code).toBe(142);

    // The session's own supplementary groups are this machine's (sshd sets them before it
    // chroots); the server's /etc/group, which its sudo reads, has ubuntu in adm and sudo.
    const me = await as(host, "ubuntu", 'id -u; id -un; echo "$HOME"; pwd; grep -E "^(adm|sudo):" /etc/group');
    const [uid, name, home, cwd, ...groups] = me.stdout.trim().split("\n");
    expect(Number(uid)).toBeGreaterThan(0);
    expect([name, home, cwd]).toEqual(["ubuntu", "/home/ubuntu", "/home/ubuntu"]);
    expect(groups).toEqual(["adm:x:4:ubuntu", "sudo:x:27:ubuntu"]);
    const denied = await as(host, "ubuntu", "echo x > /root/nope");
    expect(denied.code).not.toBe(0);
    expect(fs.readFileSync(path.join(host.rootDir, "home/ubuntu/.ssh/authorized_keys"), "utf8").trim()).toBe(key.publicKey);
  });

  it("gives ubuntu passwordless sudo that really is root, on that server only", async () => {
    const marker = `sudo-${process.pid}`;
    const out = await as(host, "ubuntu", `sudo -n id -u && sudo -n -u root -- sh -c 'echo ${marker} > /root/marker && id -un' && echo "$(sudo -n env | grep -E '^(SUDO_USER|HOME)=' | sort | tr '\\n' ' ')"`);
    expect(out.stderr).toBe("");
    expect(out.stdout.split("\n").slice(0, 3)).toEqual(["0", "root", "HOME=/root SUDO_USER=ubuntu "]);
    expect(fs.readFileSync(path.join(host.rootDir, "root/marker"), "utf8")).toBe(`${marker}\n`);
    expect(fs.statSync(path.join(host.rootDir, "root/marker")).uid).toBe(0);
    expect(fs.existsSync(path.join(other.rootDir, "root/marker"))).toBe(false);
    expect(fs.existsSync("/root/marker")).toBe(false);
  });

  it("refuses sudo to a user outside group sudo", async () => {
    const out = await as(host, "ubuntu", "sudo -n useradd -m bob && sudo -n su bob -s /bin/sh -c 'id -un; sudo -n id -u'");
    expect(out.stdout).toBe("bob\n");
    expect(out.stderr).toContain("sudo: a password is required");
    expect(out.code).toBe(1);
  });

  afterAll(async () => {
    await Promise.all([host, other].filter(Boolean).map((h) => pool.remove(h.id)));
  });
});

describe("a Debian image (login user admin)", () => {
  it("lets admin in with sudo, and refuses ubuntu and root", async () => {
    const host = await pool.start("login-admin", [key.publicKey], { loginUser: "admin" });
    try {
      expect(await sshRun(host.address, key.privateKey, "id -un; sudo -n id -un", { user: "admin" })).toBe("admin\nroot\n");
      expect((await as(host, "root", "true")).stdout).toContain('Please login as the user "admin" rather than the user "root".');
      await expect(as(host, "ubuntu", "true")).rejects.toThrow(/authentication methods failed/);
    } finally {
      await pool.remove(host.id);
    }
  });
});

describe("a pool that keeps its servers", () => {
  // Named like a pool of this process, so that the run's leftover check knows its sshd.
  const keep = path.join(testbedBase, `pool-${process.pid}-kept-${randomBytes(3).toString("hex")}`);
  afterAll(() => fs.rmSync(keep, { recursive: true, force: true }));

  it("restores a server at its address with its files and host key, says who holds a taken address, and discards the rest", async () => {
    const first = await HostPool.create(testbedBase, { keep });
    let kept: Host;
    try {
      await expect(HostPool.create(testbedBase, { keep })).rejects.toThrow(`process ${process.pid} is using the kept servers in ${keep}`);
      kept = await first.start("kept-1", [key.publicKey], { loginUser: "admin" });
      await first.start("kept-2", [key.publicKey]);
      await as(kept, "admin", "echo hi > ~/note");
    } finally {
      await first.close();
    }
    expect(fs.existsSync(path.join(keep, "kept-1/root/home/admin/note"))).toBe(true);
    // The address stays reserved for the server, even once its pool's process is gone.
    const leases = path.join(testbedBase, "leases");
    const lease = path.join(leases, kept!.address);
    expect(fs.readFileSync(path.join(lease, "kept"), "utf8")).toBe(keep);
    fs.writeFileSync(path.join(lease, "pid"), "999999999");
    expect(await tryLease(leases, "/elsewhere/pool-x", kept!.address)).toBe(false);

    const second = await HostPool.create(testbedBase, { keep });
    try {
      expect(fs.existsSync(lease)).toBe(true);
      expect(second.get("kept-1")).toBeUndefined();
      // Something took the address anyway (a sweeper that knows no kept leases, say).
      releaseAddress(leases, kept!.address);
      expect(await tryLease(leases, "/elsewhere/pool-x", kept!.address)).toBe(true);
      const taken = await second.restore("kept-1").catch((err: Error) => err);
      expect(taken).toBeInstanceOf(HostAddressTakenError);
      expect((taken as Error).message).toContain(`server kept-1 is kept at ${kept!.address}, but the host pool in /elsewhere/pool-x holds that address now`);
      releaseAddress(leases, kept!.address);

      const back = (await second.restore("kept-1"))!;
      expect([back.address, back.hostPublicKey, back.loginUser, back.running]).toEqual([kept!.address, kept!.hostPublicKey, "admin", false]);
      await second.resume("kept-1");
      expect((await as(back, "admin", "cat ~/note; sudo -n id -u")).stdout).toBe("hi\n0\n");
      expect(await second.restore("nothing-kept")).toBeUndefined();
      expect(await second.discardUnrestored()).toEqual(["kept-2"]);
      expect(fs.existsSync(path.join(keep, "kept-2"))).toBe(false);
      await second.remove("kept-1");
    } finally {
      await second.close();
    }
    expect(fs.readdirSync(keep)).toEqual([]);
  });
});
