// AWS end to end: an inline program with @pulumi/aws (KeyPair, SecurityGroup, Instance from an AMI
// found with getAmi, through an explicit aws.Provider pointed at the emulator) and @pulumi/command
// (remote.Command over SSH), run by the real engine with the stand-in plugins, against moto behind
// the EC2 front whose instances are real SSH hosts.
import { hostKeyAt } from "../support/ssh-probe.ts";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANONICAL_OWNER } from "../emulators/aws/catalog.ts";
import { foreignAccessKeyId } from "../emulators/aws/clients.ts";
import { startAwsEmulator, type AwsEmulator } from "../emulators/aws/front.ts";
import { HostPool } from "../emulators/hosts.ts";
import { sshExec } from "../support/ssh.ts";
import { type ConfigValue, failure, testStack } from "../testbed/pulumi.ts";

let hosts: HostPool;
let emulator: AwsEmulator;
let keyDir: string;
let publicKey: string;
let privateKey: string;

beforeAll(async () => {
  hosts = await HostPool.create();
  emulator = await startAwsEmulator({ hosts });
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-e2e-aws-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hoist-e2e", "-f", path.join(keyDir, "id")]);
  publicKey = fs.readFileSync(path.join(keyDir, "id.pub"), "utf8").trim();
  privateKey = fs.readFileSync(path.join(keyDir, "id"), "utf8");
});

afterAll(async () => {
  await emulator?.stop();
  await hosts?.close();
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
});

interface ProgramOptions {
  /** Use the default provider, configured by stack config (see awsConfig), instead of an explicit one. */
  defaultProvider?: boolean;
  /** The root volume's size; read when the program runs, so a test can change it between runs. */
  disk?: () => number;
  /** Adds resources around the instance (the SSH step). */
  extra?: (instance: aws.ec2.Instance) => Record<string, unknown>;
}

/** The default provider's stack config, as an operator's stack would carry it. */
function awsConfig(accessKey = emulator.accessKeyId): Record<string, ConfigValue> {
  return {
    "aws:region": emulator.region,
    "aws:accessKey": { value: accessKey, secret: true },
    "aws:secretKey": { value: emulator.secretAccessKey, secret: true },
    "aws:endpoints": JSON.stringify([{ ec2: emulator.url, sts: emulator.url, iam: emulator.url }]),
    "aws:skipCredentialsValidation": "false",
    "aws:maxRetries": "1",
  };
}

/** KeyPair + SecurityGroup + Instance from the newest Ubuntu 24.04 AMI. */
function serverProgram(opts: ProgramOptions = {}): PulumiFn {
  return async () => {
    const provider = opts.defaultProvider
      ? undefined
      : new aws.Provider("emulated", {
          region: emulator.region as aws.Region,
          accessKey: emulator.accessKeyId,
          secretKey: emulator.secretAccessKey,
          endpoints: [{ ec2: emulator.url, sts: emulator.url, iam: emulator.url }],
          skipCredentialsValidation: true,
          skipMetadataApiCheck: true,
          maxRetries: 1,
        });
    const ami = await aws.ec2.getAmi(
      {
        owners: [CANONICAL_OWNER],
        mostRecent: true,
        filters: [
          { name: "name", values: ["ubuntu/images/*/ubuntu-noble-24.04-*-server-*"] },
          { name: "architecture", values: ["x86_64"] },
        ],
      },
      { provider },
    );
    const key = new aws.ec2.KeyPair("key", { publicKey }, { provider });
    const sg = new aws.ec2.SecurityGroup(
      "ssh",
      {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      },
      { provider },
    );
    const instance = new aws.ec2.Instance(
      "web",
      {
        ami: ami.id,
        instanceType: "t3.small",
        keyName: key.keyName,
        vpcSecurityGroupIds: [sg.id],
        rootBlockDevice: { volumeSize: opts.disk?.() ?? 20, volumeType: "gp3" },
        tags: { Name: "web" },
      },
      { provider },
    );
    return {
      id: instance.id,
      ip: instance.publicIp,
      privateIp: instance.privateIp,
      state: instance.instanceState,
      ami: ami.id,
      amiName: ami.name,
      sgName: sg.name,
      ...opts.extra?.(instance),
    };
  };
}


type Deployment = { deployment: { resources?: { type: string; id?: string; outputs: Record<string, unknown> }[] } };

/** The instance's record in the stack's state, if it has one. */
function instanceState(exported: unknown) {
  return (exported as Deployment).deployment.resources?.find((r) => r.type === "aws:ec2/instance:Instance");
}

describe("aws through the real engine", () => {
  it("provisions an instance, configures it over SSH, sees drift and destroys it", async () => {
    const marker = `hoist-${randomBytes(6).toString("hex")}`;
    let disk = 20;
    const program = serverProgram({
      disk: () => disk,
      extra: (instance) => {
        const hello = new command.remote.Command("hello", {
          // Ubuntu's AMIs let in `ubuntu`, with passwordless sudo.
          connection: { host: instance.publicIp, user: "ubuntu", privateKey },
          create: `sudo -n sh -c 'echo ${marker} > /root/hello.txt' && sudo -n cat /root/hello.txt`,
        });
        return { stdout: hello.stdout };
      },
    });
    const { stack, cleanup } = await testStack({ program, stackName: "e2e-up" });
    try {
      // Preview plans every resource (with unknowns) and launches nothing.
      const planned = emulator.requests().length;
      const plan = await stack.preview();
      expect(plan.changeSummary.create).toBe(6);
      expect(emulator.requests().slice(planned)).toContain("ec2:DescribeImages");
      expect(emulator.requests().slice(planned)).not.toContain("ec2:RunInstances");

      const up = await stack.up();
      expect(up.summary.result).toBe("succeeded");
      expect(up.outputs.stdout!.value).toBe(marker);
      expect(up.outputs.state!.value).toBe("running");
      expect(up.outputs.amiName!.value).toBe("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119");
      expect(up.outputs.sgName!.value).toMatch(/^ssh-[0-9a-f]{7}$/);
      const id = up.outputs.id!.value as string;
      const ip = up.outputs.ip!.value as string;
      expect(id).toMatch(/^i-[0-9a-f]{17}$/);
      expect(ip).toMatch(/^127\./);
      const hostKey = await hostKeyAt(ip);
      expect(hostKey).toMatch(/^ssh-ed25519 /);
      expect(up.outputs.privateIp!.value).toBe(ip);

      // The file landed on that instance's root filesystem, and on no other host of the pool.
      const host = hosts.get(id)!;
      expect(host.address).toBe(ip);
      expect(fs.readFileSync(path.join(host.rootDir, "root/hello.txt"), "utf8").trim()).toBe(marker);
      for (const other of hosts.list().filter((h) => h.id !== id)) {
        expect(fs.existsSync(path.join(other.rootDir, "root/hello.txt"))).toBe(false);
      }
      // Root's key is answered as on EC2: a refusal, not a shell.
      const asRoot = await sshExec(ip, privateKey, "cat /root/hello.txt", { hostKey: host.hostPublicKey });
      expect([asRoot.stdout.trim(), asRoot.code]).toEqual(['Please login as the user "ubuntu" rather than the user "root".', 142]);

      // The calls the official provider makes, in the same order where order matters.
      const asked = emulator.requests();
      for (const call of ["ec2:DescribeImages", "ec2:ImportKeyPair", "ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RunInstances", "ec2:DescribeInstanceAttribute"]) {
        expect(asked).toContain(call);
      }
      expect(asked.indexOf("ec2:RevokeSecurityGroupEgress")).toBeLessThan(asked.indexOf("ec2:AuthorizeSecurityGroupEgress"));

      const clean = await stack.previewRefresh();
      expect(clean.changeSummary.update ?? 0).toBe(0);
      expect(clean.changeSummary.delete ?? 0).toBe(0);
      const again = await stack.preview();
      expect(again.changeSummary.same).toBe(6);

      await emulator.outOfBand.changeType(id, "t3.large");
      const drift = await stack.previewRefresh();
      expect(drift.changeSummary.update).toBe(1);

      // Refresh takes the drift into state; the next up puts the type back: stop, modify, start.
      await stack.refresh();
      const before = emulator.requests().length;
      const back = await stack.up();
      expect(back.summary.resourceChanges?.update).toBe(1);
      const power = ["ec2:StopInstances", "ec2:ModifyInstanceAttribute", "ec2:StartInstances"];
      expect(emulator.requests().slice(before).filter((c) => power.includes(c))).toEqual(power);
      expect(await hostKeyAt(ip)).toBe(hostKey);

      // A bigger disk is an in-place update of the root volume, not a new instance.
      disk = 40;
      const grown = await stack.up();
      expect(grown.summary.resourceChanges).toMatchObject({ update: 1 });
      expect(grown.summary.resourceChanges?.replace ?? 0).toBe(0);
      expect(emulator.requests()).toContain("ec2:ModifyVolume");
      const root = instanceState(await stack.exportStack())!.outputs.rootBlockDevice as { volumeSize: number; volumeType: string };
      expect([root.volumeSize, root.volumeType]).toEqual([40, "gp3"]);

      await stack.destroy();
      expect(hosts.get(id)).toBeUndefined();
      // Another test may take the address at once: gone means this server no longer answers there.
      expect(await hostKeyAt(ip)).not.toBe(hostKey);
    } finally {
      await cleanup();
    }
  });
});

describe("aws drift", () => {
  it("an instance that stops by itself shows in state, and one terminated out of band leaves it", async () => {
    const { stack, cleanup } = await testStack({ program: serverProgram(), stackName: "e2e-drift" });
    try {
      const up = await stack.up();
      const id = up.outputs.id!.value as string;
      const ip = up.outputs.ip!.value as string;
      const hostKey = await hostKeyAt(ip);
      expect(hostKey).toMatch(/^ssh-ed25519 /);

      // Only computed outputs change, so the bridged provider's Diff (which the engine's refresh
      // uses) sees no drift; the refreshed state records the stopped instance.
      await emulator.outOfBand.kill(id);
      expect(await hostKeyAt(ip)).not.toBe(hostKey);
      const killed = await stack.previewRefresh();
      expect(killed.changeSummary.update ?? 0).toBe(0);
      await stack.refresh();
      const stopped = instanceState(await stack.exportStack());
      expect(stopped?.outputs.instanceState).toBe("stopped");
      expect(stopped?.outputs.publicIp).toBe("");
      expect(stopped?.outputs.privateIp).toBe(ip);

      await emulator.outOfBand.terminate(id);
      const gone = await stack.previewRefresh();
      expect(gone.changeSummary.delete).toBe(1);
      await stack.refresh();
      expect(instanceState(await stack.exportStack())).toBeUndefined();
      await stack.destroy();
      expect(hosts.get(id)).toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});

describe("faults through the engine", () => {
  it("credentials AWS rejects fail up with the provider's credentials error", async () => {
    // The official provider checks credentials with STS before it reads aws:endpoints, so the
    // stack points that check at the emulator through the SDK's own variable.
    const { stack, cleanup } = await testStack({
      program: serverProgram({ defaultProvider: true }),
      config: awsConfig(foreignAccessKeyId()),
      stackName: "e2e-badcreds",
      env: { AWS_ENDPOINT_URL_STS: emulator.url },
    });
    try {
      const before = emulator.requests().length;
      const message = await failure(stack.up());
      expect(message).toContain("The configured AWS credentials are invalid or have expired.");
      expect(emulator.requests().slice(before)).toEqual(["sts:GetCallerIdentity"]);
    } finally {
      await cleanup();
    }
  });

  it("a revoked key fails the first EC2 call with AuthFailure", async () => {
    const { stack, cleanup } = await testStack({ program: serverProgram(), stackName: "e2e-revoked" });
    try {
      emulator.faults.set({ kind: "reject-token" });
      const message = await failure(stack.up());
      expect(message).toContain("api error AuthFailure: AWS was not able to validate the provided access credentials");
    } finally {
      emulator.faults.clear("reject-token");
      await cleanup();
    }
  });

  it("an instance quota fails up with InstanceLimitExceeded, and destroy cleans up the rest", async () => {
    const { stack, cleanup } = await testStack({ program: serverProgram(), stackName: "e2e-quota" });
    try {
      emulator.faults.set({ kind: "quota" }, { times: 1 });
      const message = await failure(stack.up());
      expect(message).toMatch(
        /\* creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: [0-9a-f-]{36}, api error InstanceLimitExceeded: You have requested more instances \(1\)/,
      );
      await stack.destroy();
    } finally {
      emulator.faults.clear("quota");
      await cleanup();
    }
  });

  it("a launch that fails after acceptance leaves the instance in state, and destroy terminates it", async () => {
    const { stack, cleanup } = await testStack({ program: serverProgram(), stackName: "e2e-launchfail" });
    try {
      emulator.faults.set({ kind: "action-fails" }, { times: 1 });
      const message = await failure(stack.up());
      expect(message).toMatch(
        /waiting for EC2 Instance \(i-[0-9a-f]{17}\) create: unexpected state 'terminated', wanted target 'running'\. last error: Server\.InternalError: Internal error on launch/,
      );
      const inState = instanceState(await stack.exportStack());
      expect(inState?.id).toMatch(/^i-/);
      await stack.destroy();
      expect(instanceState(await stack.exportStack())).toBeUndefined();
    } finally {
      emulator.faults.clear("action-fails");
      await cleanup();
    }
  });
});
