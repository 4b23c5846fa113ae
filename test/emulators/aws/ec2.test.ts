// Conformance of the emulated AWS (moto behind the EC2 front) as the AWS SDK sees it: the catalog,
// key pairs, security groups, the default VPC, and instances that are real SSH hosts on loopback
// addresses, with AWS's own error codes.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeKeyPairsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  ImportKeyPairCommand,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { amiId, CANONICAL_OWNER, DEBIAN_OWNER } from "./catalog.ts";
import { sshExec, sshRun } from "../../support/ssh.ts";
import { addressesIn, awsFailure, ec2Client, foreignAccessKeyId, stsClient } from "./clients.ts";
import { startAwsEmulator, type AwsEmulator } from "./front.ts";

let hosts: HostPool;
let emu: AwsEmulator;
let ec2: EC2Client;
let keyDir: string;
const keys: Record<"a" | "b", { publicKey: string; privateKey: string }> = {} as never;

const NOBLE_AMD64 = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119";
/** Instances from Ubuntu AMIs let in `ubuntu`, not root. */
const ubuntu = { user: "ubuntu" };

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startAwsEmulator({ hosts });
  ec2 = ec2Client(emu);
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-aws-ec2-"));
  for (const k of ["a", "b"] as const) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `key-${k}`, "-f", path.join(keyDir, k)]);
    keys[k] = { publicKey: fs.readFileSync(path.join(keyDir, `${k}.pub`), "utf8").trim(), privateKey: fs.readFileSync(path.join(keyDir, k), "utf8") };
  }
});

afterAll(async () => {
  ec2?.destroy();
  const pid = emu?.motoPid;
  await emu?.stop();
  await hosts?.close();
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
  if (pid) expect(() => process.kill(pid, 0)).toThrow();
});

async function describe1(id: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0]!.Instances![0]!;
}

async function launch(keyName?: string, instanceType = "t3.small", image = NOBLE_AMD64): Promise<Instance> {
  const out = await ec2.send(new RunInstancesCommand({ ImageId: amiId(image), InstanceType: instanceType as never, MinCount: 1, MaxCount: 1, KeyName: keyName }));
  return out.Instances![0]!;
}

describe("catalog", () => {
  it("lists regions and availability zones", async () => {
    const regions = (await ec2.send(new DescribeRegionsCommand({}))).Regions!.map((r) => r.RegionName);
    expect(regions).toEqual(expect.arrayContaining(["us-east-1", "eu-central-1", "ap-southeast-2"]));
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
    expect(zones.map((z) => z.ZoneName)).toEqual(expect.arrayContaining(["us-east-1a", "us-east-1b"]));
    expect(zones.every((z) => z.State === "available" && z.RegionName === "us-east-1")).toBe(true);
  });

  it("describes instance types with their vCPUs, memory and architecture, and rejects unknown ones", async () => {
    const out = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["t3.small", "t4g.small"] }));
    const byName = Object.fromEntries(out.InstanceTypes!.map((t) => [t.InstanceType, t]));
    expect(byName["t3.small"]!.VCpuInfo!.DefaultVCpus).toBe(2);
    expect(byName["t3.small"]!.MemoryInfo!.SizeInMiB).toBe(2048);
    expect(byName["t4g.small"]!.ProcessorInfo!.SupportedArchitectures).toEqual(["arm64"]);
    const err = await awsFailure(ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["t9.bogus" as never] })));
    expect(err.name).toBe("InvalidInstanceType");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it("finds Ubuntu and Debian images by owner, name pattern and architecture, in any region", async () => {
    const noble = await ec2.send(
      new DescribeImagesCommand({
        Owners: [CANONICAL_OWNER],
        Filters: [
          { Name: "name", Values: ["ubuntu/images/*/ubuntu-noble-24.04-*-server-*"] },
          { Name: "architecture", Values: ["arm64"] },
        ],
      }),
    );
    expect(noble.Images!.map((i) => i.Name).sort()).toEqual([
      "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241004",
      "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241119",
    ]);
    expect(noble.Images!.every((i) => i.OwnerId === CANONICAL_OWNER && i.State === "available" && i.ImageId!.startsWith("ami-0"))).toBe(true);
    const jammy = await ec2.send(new DescribeImagesCommand({ Owners: [CANONICAL_OWNER], Filters: [{ Name: "name", Values: ["*jammy-22.04-amd64*"] }] }));
    expect(jammy.Images).toHaveLength(2);
    const debian = ec2Client(emu, { region: "eu-central-1" });
    const bookworm = await debian.send(new DescribeImagesCommand({ Owners: [DEBIAN_OWNER], Filters: [{ Name: "architecture", Values: ["x86_64"] }] }));
    debian.destroy();
    expect(bookworm.Images!.map((i) => i.Name).sort()).toEqual(["debian-12-amd64-20241004-1949", "debian-12-amd64-20241119-1949"]);
  });

  it("has a default VPC with default subnets in every zone", async () => {
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs!;
    expect(vpcs).toHaveLength(1);
    expect(vpcs[0]!.CidrBlock).toBe("172.31.0.0/16");
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }))).Subnets!;
    expect(subnets.length).toBeGreaterThanOrEqual(3);
    expect(subnets.every((s) => s.VpcId === vpcs[0]!.VpcId && s.MapPublicIpOnLaunch)).toBe(true);
  });
});

describe("key pairs and security groups", () => {
  it("imports a key pair once and reports AWS's errors for duplicates and bad keys", async () => {
    const imported = await ec2.send(new ImportKeyPairCommand({ KeyName: "conformance", PublicKeyMaterial: Buffer.from(keys.b.publicKey) }));
    expect(imported.KeyFingerprint).toBeTruthy();
    expect(imported.KeyPairId).toMatch(/^key-/);
    const listed = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["conformance"] }));
    expect(listed.KeyPairs![0]!.KeyType).toBe("ed25519");
    const dup = await awsFailure(ec2.send(new ImportKeyPairCommand({ KeyName: "conformance", PublicKeyMaterial: Buffer.from(keys.b.publicKey) })));
    expect(dup.name).toBe("InvalidKeyPair.Duplicate");
    const bad = await awsFailure(ec2.send(new ImportKeyPairCommand({ KeyName: "garbage", PublicKeyMaterial: Buffer.from("not a key") })));
    expect(bad.$metadata.httpStatusCode).toBe(400);
    const missing = await awsFailure(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["nope"] })));
    expect(missing.name).toBe("InvalidKeyPair.NotFound");
  });

  it("creates a security group with AWS's default egress rule, and authorizes ingress", async () => {
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "conformance", Description: "Managed by Pulumi" }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups![0]!;
    expect(sg.IpPermissions).toMatchObject([{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }]);
    expect(sg.IpPermissionsEgress).toMatchObject([{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }]);
    const missing = await awsFailure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-00000000000000000"] })));
    expect(missing.name).toBe("InvalidGroup.NotFound");
  });
});

describe("instances", () => {
  it("are SSH hosts on loopback addresses that accept only their key pair, through their lifecycle", async () => {
    await ec2.send(new ImportKeyPairCommand({ KeyName: "host-a", PublicKeyMaterial: Buffer.from(keys.a.publicKey) }));
    const launched = await launch("host-a");
    const id = launched.InstanceId!;
    expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(launched.State!.Name).toBe("pending");
    const address = launched.PublicIpAddress!;
    expect(address).toMatch(/^127\./);
    expect(launched.PrivateIpAddress).toBe(address);
    expect(launched.PublicDnsName).toBe(address);
    expect(launched.PrivateDnsName).toBe(address);
    expect(launched.NetworkInterfaces![0]!.Association!.PublicIp).toBe(address);
    expect(addressesIn(launched).every((a) => a.startsWith("127."))).toBe(true);

    const running = await describe1(id);
    expect(running.State!.Name).toBe("running");
    expect(running.PublicIpAddress).toBe(address);
    const interfaces = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }));
    expect(interfaces.NetworkInterfaces![0]!.PrivateIpAddress).toBe(address);
    expect(addressesIn(interfaces)).not.toHaveLength(0);
    expect(addressesIn(interfaces).every((a) => a === address)).toBe(true);

    // t3.small: 2 vCPUs, 2 GiB, as the emulated server reports them.
    expect((await sshRun(address, keys.a.privateKey, "grep -c processor /proc/cpuinfo; grep MemTotal /proc/meminfo", ubuntu)).split("\n").slice(0, 2)).toEqual([
      "2",
      "MemTotal:       2097152 kB",
    ]);
    await expect(sshRun(address, keys.b.privateKey, "true", ubuntu)).rejects.toThrow(/authentication methods failed/);

    // A resize needs a stopped instance, as on AWS.
    const refused = await awsFailure(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.large" } })));
    expect(refused.name).toBe("IncorrectInstanceState");
    expect(refused.message).toBe(`The instance '${id}' is not in the 'stopped' state.`);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    const stopped = await describe1(id);
    expect(stopped.State!.Name).toBe("stopped");
    expect(stopped.PrivateIpAddress).toBe(address);
    expect(hosts.get(id)!.running).toBe(false);
    await expect(sshRun(address, keys.a.privateKey, "true", ubuntu)).rejects.toThrow(/ECONNREFUSED/);

    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.large" } }));
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    const started = await describe1(id);
    expect(started.State!.Name).toBe("running");
    expect(started.InstanceType).toBe("t3.large");
    expect(await sshRun(started.PublicIpAddress!, keys.a.privateKey, "echo up", ubuntu)).toBe("up\n");

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    const terminated = await describe1(id);
    expect(terminated.State!.Name).toBe("terminated");
    expect(hosts.get(id)).toBeUndefined();
    expect(addressesIn(terminated).every((a) => a.startsWith("127."))).toBe(true);
  });

  it("log in as their image's user, Ubuntu's ubuntu and Debian's admin, and refuse root as EC2's images do", async () => {
    await ec2.send(new ImportKeyPairCommand({ KeyName: "login", PublicKeyMaterial: Buffer.from(keys.a.publicKey) }));
    const [noble, bookworm] = await Promise.all([launch("login"), launch("login", "t3.small", "debian-12-amd64-20241119-1949")]);
    for (const [instance, user] of [[noble, "ubuntu"], [bookworm, "admin"]] as const) {
      const address = instance.PublicIpAddress!;
      expect(hosts.get(instance.InstanceId!)!.loginUser).toBe(user);
      expect(await sshRun(address, keys.a.privateKey, "id -un; sudo -n id -u", { user })).toBe(`${user}\n0\n`);
      const root = await sshExec(address, keys.a.privateKey, "id -u");
      expect([root.stdout.trim(), root.code]).toEqual([`Please login as the user "${user}" rather than the user "root".`, 142]);
    }
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [noble.InstanceId!, bookworm.InstanceId!] }));
  });

  it("never hand out an address outside 127.0.0.0/8, in any answer about any instance", async () => {
    const launched = await Promise.all([launch(), launch(undefined, "t3.micro"), launch()]);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [launched[1]!.InstanceId!] }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [launched[2]!.InstanceId!] }));
    const all = await ec2.send(new DescribeInstancesCommand({}));
    const interfaces = await ec2.send(new DescribeNetworkInterfacesCommand({}));
    const addresses = [...addressesIn(all), ...addressesIn(interfaces)];
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((a) => !a.startsWith("127."))).toEqual([]);
    const live = all.Reservations!.flatMap((r) => r.Instances!).filter((i) => i.State!.Name !== "terminated");
    expect(new Set(live.map((i) => i.PrivateIpAddress)).size).toBe(live.length);
  });

  it("lets tests stop, resize and terminate an instance out of band, also over the control API", async () => {
    const id = (await launch()).InstanceId!;
    await emu.outOfBand.kill(id);
    const killed = await describe1(id);
    expect(killed.State!.Name).toBe("stopped");
    expect(killed.StateReason).toEqual({ Code: "Client.InstanceInitiatedShutdown", Message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown" });
    expect(hosts.get(id)!.running).toBe(false);

    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    const res = await fetch(`${emu.url}/_emulator/instances/${id}/type`, { method: "POST", body: JSON.stringify({ type: "t3.xlarge" }) });
    expect(res.status).toBe(204);
    expect((await describe1(id)).InstanceType).toBe("t3.xlarge");
    expect(hosts.get(id)!.running).toBe(true);

    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { instances: { id: string; sshdRunning: boolean }[] };
    expect(state.instances.find((i) => i.id === id)).toMatchObject({ id, type: "t3.xlarge", state: "running", sshdRunning: true });

    expect((await fetch(`${emu.url}/_emulator/instances/${id}/terminate`, { method: "POST" })).status).toBe(204);
    expect((await describe1(id)).State!.Name).toBe("terminated");
    expect(hosts.get(id)).toBeUndefined();
    expect((await fetch(`${emu.url}/_emulator/instances/i-00000000000000000/kill`, { method: "POST" })).status).toBe(404);
  });
});

describe("credentials", () => {
  it("accept the emulator's key and reject others as EC2 and STS do", async () => {
    const sts = stsClient(emu);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe("123456789012");
    sts.destroy();

    const foreign = { accessKeyId: foreignAccessKeyId(), secretAccessKey: emu.secretAccessKey };
    const ec2Err = await awsFailure(ec2Client(emu, { credentials: foreign }).send(new DescribeRegionsCommand({})));
    expect([ec2Err.$metadata.httpStatusCode, ec2Err.name, ec2Err.message]).toEqual([401, "AuthFailure", "AWS was not able to validate the provided access credentials"]);
    // As on AWS, the answer's RequestID is a UUID (moto makes up a token of its own there).
    expect(ec2Err.$metadata.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const stsErr = await awsFailure(stsClient(emu, foreign).send(new GetCallerIdentityCommand({})));
    expect([stsErr.$metadata.httpStatusCode, stsErr.name, stsErr.message]).toEqual([403, "InvalidClientTokenId", "The security token included in the request is invalid."]);

    const wrongSecret = { accessKeyId: emu.accessKeyId, secretAccessKey: "x".repeat(40) };
    const sigErr = await awsFailure(stsClient(emu, wrongSecret).send(new GetCallerIdentityCommand({})));
    expect(sigErr.name).toBe("SignatureDoesNotMatch");

    const region = await awsFailure(ec2Client(emu, { region: "xx-nowhere-1" }).send(new DescribeRegionsCommand({})));
    expect([region.name, region.message]).toEqual(["AuthFailure", "Credential should be scoped to a valid region."]);
  });
});
