// DigitalOcean end to end: an inline program with @pulumi/digitalocean (SshKey, Droplet,
// Firewall) and @pulumi/command (remote.Command over SSH), run by the real engine with the
// stand-in plugins against the DigitalOcean emulator, whose droplets are real SSH hosts.
//
// The stand-in keeps the official provider's waits (10 s before the first poll after a create,
// after each action and twice around a delete), so these tests are mostly idle: they run
// concurrently, each against an emulator (an account) of its own.
import { hostKeyAt } from "../support/ssh-probe.ts";
import fs from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import type { EngineEvent, PulumiFn, Stack } from "@pulumi/pulumi/automation/index.js";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDigitalOceanEmulator, type DigitalOceanEmulator } from "../emulators/digitalocean/emulator.ts";
import type { Fault } from "../emulators/faults.ts";
import { HostPool } from "../emulators/hosts.ts";
import { testStack } from "../testbed/pulumi.ts";

const key = ssh2.utils.generateKeyPairSync("ed25519", { comment: "hoist-e2e-do" });
let hosts: HostPool;

beforeAll(async () => {
  hosts = await HostPool.create();
});

afterAll(async () => {
  await hosts?.close();
});

const DROPLET = { image: "ubuntu-24-04-x64", region: "fra1", size: "s-1vcpu-1gb" } as const;

/** One droplet named `web`, with `args` over the defaults above. */
const dropletProgram =
  (args: Partial<digitalocean.DropletArgs> = {}): PulumiFn =>
  async () => {
    const droplet = new digitalocean.Droplet("web", { ...DROPLET, ...args });
    return { id: droplet.id, name: droplet.name, memory: droplet.memory, status: droplet.status };
  };

/**
 * Runs `run` with a stack of `program` against a fresh emulator (with `fault` armed), then
 * removes the stack's folders and stops the emulator (and with it every droplet's sshd).
 */
async function scenario(name: string, program: PulumiFn, run: (stack: Stack, emu: DigitalOceanEmulator) => Promise<void>, fault?: Fault) {
  const emu = await startDigitalOceanEmulator({ hosts });
  if (fault) emu.faults.set(fault);
  const config = {
    "digitalocean:apiEndpoint": emu.url,
    "digitalocean:token": { value: emu.token, secret: true },
    "digitalocean:httpRetryMax": "0",
  };
  const { stack, cleanup } = await testStack({ program, config, stackName: name });
  try {
    await run(stack, emu);
  } finally {
    await cleanup();
    await emu.stop();
  }
}


/** Runs `up`, which must fail, and returns the error diagnostics the engine reported for `web`. */
async function failedUp(stack: Stack): Promise<string[]> {
  const errors: string[] = [];
  const onEvent = (e: EngineEvent) => {
    const d = e.diagnosticEvent;
    if (d?.severity === "error" && d.urn?.endsWith("::web")) errors.push(d.message);
  };
  await expect(stack.up({ onEvent })).rejects.toThrow(/update failed/);
  return errors;
}

const actionsAsked = (emu: DigitalOceanEmulator) =>
  emu
    .requests()
    .filter((r) => r.method === "POST" && /^\/v2\/droplets\/\d+\/actions$/.test(r.path))
    .map((r) => (r.body as { type: string }).type);

describe.concurrent("digitalocean through the real engine", () => {
  it("provisions a droplet, configures it over SSH, sees drift and destroys it", async () => {
    const marker = `hoist-${randomBytes(6).toString("hex")}`;
    const program: PulumiFn = async () => {
      const sshKey = new digitalocean.SshKey("key", { publicKey: key.public });
      const droplet = new digitalocean.Droplet("web", { ...DROPLET, sshKeys: [sshKey.fingerprint], tags: ["hoist"] });
      const fw = new digitalocean.Firewall("fw", {
        dropletIds: [droplet.id.apply(Number)],
        inboundRules: [{ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0", "::/0"] }],
        outboundRules: [{ protocol: "tcp", portRange: "all", destinationAddresses: ["0.0.0.0/0", "::/0"] }],
      });
      const hello = new command.remote.Command(
        "hello",
        {
          connection: { host: droplet.ipv4Address, user: "root", privateKey: key.private },
          create: `echo ${marker} > /root/hello.txt && cat /root/hello.txt`,
        },
        { dependsOn: [fw] },
      );
      return { id: droplet.id, ip: droplet.ipv4Address, privateIp: droplet.ipv4AddressPrivate, status: droplet.status, name: droplet.name, stdout: hello.stdout };
    };
    await scenario("e2e-up", program, async (stack, emu) => {
      const up = await stack.up();
      expect(up.summary.result).toBe("succeeded");
      expect(up.outputs.status!.value).toBe("active");
      expect(up.outputs.name!.value).toMatch(/^web-[0-9a-f]{7}$/);
      expect(up.outputs.stdout!.value).toBe(marker);
      const id = Number(up.outputs.id!.value);
      const ip = up.outputs.ip!.value as string;
      expect(ip).toMatch(/^127\./);
      const hostKey = await hostKeyAt(ip);
      expect(hostKey).toMatch(/^ssh-ed25519 /);
      expect(up.outputs.privateIp!.value).toMatch(/^127\./);

      // The file landed on that droplet's root filesystem, and on no other host of the pool.
      const host = emu.hostOf(id)!;
      expect(host.address).toBe(ip);
      expect(fs.readFileSync(path.join(host.rootDir, "root/hello.txt"), "utf8").trim()).toBe(marker);
      for (const other of hosts.list().filter((h) => h.id !== host.id)) {
        expect(fs.existsSync(path.join(other.rootDir, "root/hello.txt"))).toBe(false);
      }
      expect([...emu.state.firewalls.values()].map((f) => f.dropletIds)).toEqual([[id]]);

      // The official provider's requests: the key read back by id, the droplet polled by id.
      const [apiKey] = [...emu.state.keys.values()];
      const asked = emu.requests().map((r) => `${r.method} ${r.path}`);
      expect(asked).toEqual(expect.arrayContaining(["POST /v2/account/keys", `GET /v2/account/keys/${apiKey!.id}`, "POST /v2/droplets", `GET /v2/droplets/${id}`]));
      const create = emu.requests().find((r) => r.method === "POST" && r.path === "/v2/droplets")!;
      expect(create.body).toMatchObject({ ...DROPLET, ssh_keys: [apiKey!.fingerprint], tags: ["hoist"], backups: false, ipv6: false, monitoring: false });

      const clean = await stack.previewRefresh();
      expect(clean.changeSummary.update ?? 0).toBe(0);
      expect(clean.changeSummary.delete ?? 0).toBe(0);

      emu.outOfBand.rename(id, "renamed-behind-pulumi");
      const drift = await stack.previewRefresh();
      expect(drift.changeSummary.update).toBe(1);

      await stack.destroy();
      expect(emu.state.droplets.size).toBe(0);
      expect(emu.state.keys.size).toBe(0);
      expect(emu.state.firewalls.size).toBe(0);
      expect(emu.hostOf(id)).toBeUndefined();
      expect(hosts.get(host.id)).toBeUndefined();
      // Another test may take the address at once: gone means this server no longer answers there.
      expect(await hostKeyAt(ip)).not.toBe(hostKey);
    });
  });

  it("keeps preview's autoname under a plan; shows a droplet killed out of band; drops one deleted out of band", async () => {
    await scenario("e2e-drift", dropletProgram(), async (stack, emu) => {
      // With an update plan (the engine then replays preview's random seed to Check) the autoname
      // drawn in preview is the one the droplet gets.
      const previewed: unknown[] = [];
      const plan = path.join(inject("runDir"), `do-plan-${randomBytes(4).toString("hex")}.json`);
      await stack.preview({
        plan,
        onEvent: (e) => {
          const m = e.resourcePreEvent?.metadata;
          if (m?.urn.endsWith("::web")) previewed.push(m.new?.inputs?.name);
        },
      });
      const up = await stack.up({ plan });
      fs.rmSync(plan, { force: true });
      expect(previewed).toEqual([up.outputs.name!.value]);
      const id = Number(up.outputs.id!.value);
      const ip = emu.hostOf(id)!.address;
      const hostKey = await hostKeyAt(ip);
      expect(hostKey).toMatch(/^ssh-ed25519 /);
      await emu.outOfBand.kill(id);
      expect(await hostKeyAt(ip)).not.toBe(hostKey);
      // Pulumi 3.250 counts a refresh's changes with the provider's Diff against the program's
      // inputs, and `status` is no input: the dead droplet shows in the refreshed outputs, while
      // the summary counts it as unchanged, as it does with the official provider.
      const refreshed: Record<string, unknown>[] = [];
      const onEvent = (e: EngineEvent) => {
        const m = e.resOutputsEvent?.metadata;
        if (m?.urn.endsWith("::web")) refreshed.push(m.new?.outputs ?? {});
      };
      const killed = await stack.previewRefresh({ onEvent });
      expect(refreshed.map((o) => o.status)).toEqual(["off"]);
      expect(killed.changeSummary.update ?? 0).toBe(0);

      await emu.outOfBand.delete(id);
      const gone = await stack.refresh();
      expect(gone.summary.resourceChanges?.delete).toBe(1);
      const state = await stack.exportStack();
      expect(state.deployment.resources.some((r: { type: string }) => r.type === "digitalocean:index/droplet:Droplet")).toBe(false);
    });
  });

  it("resizes (power off, resize, power on) and renames a droplet in place", async () => {
    const userData = "#cloud-config\nruncmd: [touch /root/ok]\n";
    await scenario("e2e-resize", dropletProgram({ name: "web-a", userData }), async (stack, emu) => {
      const id = Number((await stack.up()).outputs.id!.value);
      // The API got the text; the state keeps only its hex SHA-1, as upstream does.
      expect(emu.state.droplets.get(id)!.userData).toBe(userData);
      const saved = (await stack.exportStack()).deployment.resources.find((r: { type: string }) => r.type === "digitalocean:index/droplet:Droplet");
      expect(saved.outputs.userData).toBe(createHash("sha1").update(userData).digest("hex"));

      const up = await stack.up({ program: dropletProgram({ name: "web-b", size: "s-2vcpu-4gb", userData }) });
      expect(up.summary.resourceChanges?.update).toBe(1);
      expect(up.outputs.id!.value).toBe(String(id));
      expect(up.outputs.memory!.value).toBe(4096);
      expect(up.outputs.status!.value).toBe("active");
      expect(actionsAsked(emu)).toEqual(["power_off", "resize", "power_on", "rename"]);
      const resize = emu.requests().find((r) => (r.body as { type?: string })?.type === "resize");
      expect(resize?.body).toEqual({ type: "resize", size: "s-2vcpu-4gb", disk: true });
      expect(emu.state.droplets.get(id)).toMatchObject({ name: "web-b", size: "s-2vcpu-4gb", status: "active" });
      expect(await hostKeyAt(emu.hostOf(id)!.address)).toBe(emu.hostOf(id)!.hostPublicKey.split(" ").slice(0, 2).join(" "));
      await stack.destroy();
      expect(emu.state.droplets.size).toBe(0);
    });
  });

  describe("faults fail `up` with the official provider's wording, not a hang", () => {
    const apiError = (emu: DigitalOceanEmulator, status: number, message: string) =>
      new RegExp(`^1 error occurred:\\n\\t\\* Error creating droplet: POST ${emu.url}/v2/droplets: ${status} \\(request "[0-9a-f-]{36}"\\) ${message.replace(/[()/.]/g, "\\$&")}\\n`);

    it("a rejected token", async () => {
      await scenario(
        "e2e-token",
        dropletProgram(),
        async (stack, emu) => {
          const t0 = Date.now();
          expect(await failedUp(stack)).toEqual([expect.stringMatching(apiError(emu, 401, "Unable to authenticate you"))]);
          expect(Date.now() - t0).toBeLessThan(30_000);
          expect(emu.state.droplets.size).toBe(0);
        },
        { kind: "reject-token" },
      );
    });

    it("the droplet quota", async () => {
      await scenario(
        "e2e-quota",
        dropletProgram(),
        async (stack, emu) => {
          const t0 = Date.now();
          expect(await failedUp(stack)).toEqual([expect.stringMatching(apiError(emu, 422, "creating this/these droplet(s) will exceed your droplet limit"))]);
          expect(Date.now() - t0).toBeLessThan(30_000);
          expect(emu.state.droplets.size).toBe(0);
        },
        { kind: "quota" },
      );
    });

    it("a create that fails after it was accepted; destroy deletes the failed droplet", async () => {
      const message = "Droplet failed to boot: hypervisor out of capacity";
      await scenario(
        "e2e-failed-create",
        dropletProgram(),
        async (stack, emu) => {
          const t0 = Date.now();
          const errors = await failedUp(stack);
          const [droplet] = [...emu.state.droplets.values()];
          expect(droplet!.status).toBe("off");
          expect(errors.join("\n")).toContain(
            `1 error occurred:\n\t* Error waiting for droplet (${droplet!.id}) to become ready: unexpected state 'off', wanted target 'active'. last error: %!s(<nil>)`,
          );
          // Fails at the first poll (10 s after the create), not at the 60-minute timeout.
          expect(Date.now() - t0).toBeLessThan(40_000);
          expect(emu.snapshot().actions.find((a) => a.type === "create")).toMatchObject({ status: "errored", error: message });

          // The failed droplet stays in the stack, so destroy deletes it.
          const state = await stack.exportStack();
          const kept = state.deployment.resources.find((r: { type: string }) => r.type === "digitalocean:index/droplet:Droplet");
          expect(kept?.id).toBe(String(droplet!.id));
          await stack.destroy();
          expect(emu.state.droplets.size).toBe(0);
        },
        { kind: "action-fails", message },
      );
    });
  });
});
