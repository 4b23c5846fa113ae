// The few EC2 calls Hoist makes itself (the Pulumi provider makes the rest): power, and finding a
// server's resources by its Hoist tag after a crash.
import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  type InstanceStateName,
} from "@aws-sdk/client-ec2";
import type { CloudCredential, PowerAction, ResourceLookup, ServerRef } from "./cloud.ts";

const client = (cred: CloudCredential, region: string) => {
  const secret = cred.secret.reveal();
  return new EC2Client({
    region,
    endpoint: cred.endpoint,
    credentials: { accessKeyId: secret.accessKeyId ?? "", secretAccessKey: secret.secretAccessKey ?? "" },
    maxAttempts: 3,
    requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000 },
  });
};

export async function powerAwsInstance(cred: CloudCredential, server: ServerRef, action: PowerAction, opts?: { signal?: AbortSignal }): Promise<void> {
  const { providerId } = server;
  const ec2 = client(cred, server.region);
  const abortSignal = opts?.signal;
  try {
    await ec2.send(action === "on" ? new StartInstancesCommand({ InstanceIds: [providerId] }) : new StopInstancesCommand({ InstanceIds: [providerId] }), { abortSignal });
    const target: InstanceStateName = action === "on" ? "running" : "stopped";
    for (const until = Date.now() + 600_000; ; ) {
      const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [providerId] }), { abortSignal });
      const state = res.Reservations?.[0]?.Instances?.[0]?.State?.Name;
      if (state === target) return;
      if (state === "terminated" || state === "shutting-down") throw new Error(`instance ${providerId} is ${state}`);
      if (Date.now() > until) throw new Error(`instance ${providerId} did not become ${target} in time (it is ${state})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    ec2.destroy();
  }
}

const tagFilter = (nodeId: string) => [{ Name: "tag:hoist-node", Values: [nodeId] }];

/** The id of the server's resource of `type`, found by its `hoist-node` tag (never by name). */
export async function findAwsResource(cred: CloudCredential, lookup: ResourceLookup): Promise<string | undefined> {
  const ec2 = client(cred, lookup.region);
  try {
    switch (lookup.type) {
      case "aws:ec2/instance:Instance": {
        const res = await ec2.send(
          new DescribeInstancesCommand({ Filters: [...tagFilter(lookup.nodeId), { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }] }),
        );
        return res.Reservations?.flatMap((r) => r.Instances ?? [])[0]?.InstanceId;
      }
      case "aws:ec2/keyPair:KeyPair":
        // The key pair's id in Pulumi's state is its name.
        return (await ec2.send(new DescribeKeyPairsCommand({ Filters: tagFilter(lookup.nodeId) }))).KeyPairs?.[0]?.KeyName;
      case "aws:ec2/securityGroup:SecurityGroup":
        return (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: tagFilter(lookup.nodeId) }))).SecurityGroups?.[0]?.GroupId;
      default:
        return undefined;
    }
  } finally {
    ec2.destroy();
  }
}
