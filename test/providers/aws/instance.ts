// aws:ec2/instance:Instance — Terraform's aws_instance for the inputs Hoist's stacks use: RunInstances,
// wait for `running`, read; delete terminates and waits for `terminated`. Updates: instanceUpdate.ts.
import {
  DescribeImagesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type DescribeImagesCommandOutput,
  type RunInstancesCommandInput,
  type RunInstancesCommandOutput,
} from "@aws-sdk/client-ec2";
import type { CheckFailure } from "@pulumi/pulumi/provider/index.js";
import { clean, isUnknown, reveal, type Field, type Props } from "../bridge.ts";
import { ResourceInitError } from "../serve.ts";
import type { AwsSession } from "./client.ts";
import { errorCode, fail } from "./errors.ts";
import { readInstance, userDataHash, waitForInstance } from "./instanceRead.ts";
import { updateInstance } from "./instanceUpdate.ts";
import { diffBySchema, sortedSet, subsetSame, tagSpecs, uniqueId } from "./props.ts";
import { GONE, type ResourceType, type Session } from "./resource.ts";

export const INSTANCE = "aws:ec2/instance:Instance";

const SUPPORTED = new Set([
  "ami", "instanceType", "keyName", "subnetId", "vpcSecurityGroupIds", "securityGroups", "associatePublicIpAddress",
  "availabilityZone", "privateIp", "userData", "userDataBase64", "userDataReplaceOnChange", "tags", "volumeTags",
  "rootBlockDevice", "disableApiTermination", "disableApiStop", "monitoring", "region", "__defaults",
]);

const userDataField = (replace: boolean): Field => ({ replace, norm: (v) => (v ? (/^[0-9a-f]{40}$/.test(v) ? v : userDataHash(v)) : "") });

export function fields(news: Props): Record<string, Field> {
  return {
    ami: { replace: true, computed: true },
    instanceType: { computed: true },
    keyName: { replace: true, computed: true },
    subnetId: { replace: true, computed: true },
    availabilityZone: { replace: true, computed: true },
    privateIp: { replace: true, computed: true },
    associatePublicIpAddress: { replace: true, computed: true },
    securityGroups: { replace: true, computed: true, norm: sortedSet },
    vpcSecurityGroupIds: { computed: true, norm: sortedSet },
    userData: userDataField(Boolean(reveal(news.userDataReplaceOnChange))),
    userDataBase64: { replace: Boolean(reveal(news.userDataReplaceOnChange)) },
    tags: {},
    disableApiTermination: { computed: true },
    disableApiStop: { computed: true },
    monitoring: { computed: true },
    region: { replace: true, computed: true },
    // Size, type and performance change in place; encryption only with a new volume, which a value not
    // known yet (preview) may need.
    rootBlockDevice: {
      computed: true,
      same: subsetSame,
      replace: (state, input) => isUnknown(input) || (input.encrypted !== undefined && input.encrypted !== state?.encrypted),
    },
  };
}

/**
 * The inputs a refresh reports, as the bridge extracts them from the state read: the top-level
 * arguments as they now stand (a type or tags changed out of band show in them). Arguments the
 * provider fills in itself (subnet, flags) and nested blocks (the root volume, every attribute
 * of which the state holds) stay out.
 */
const READ_INPUTS = ["ami", "instanceType", "keyName", "vpcSecurityGroupIds", "tags", "userData", "userDataBase64"];
const inputsOf = (outs: Props): Props => Object.fromEntries(READ_INPUTS.filter((k) => outs[k] !== undefined && outs[k] !== "").map((k) => [k, outs[k]]));

const CREATE_TIMEOUT = 10 * 60_000;
const DELETE_TIMEOUT = 20 * 60_000;

export function instance(session: Session): ResourceType {
  return {
    async check(_urn, _olds, news) {
      const failures: CheckFailure[] = Object.keys(news)
        .filter((k) => !SUPPORTED.has(k) && news[k] !== undefined && news[k] !== null)
        .map((k) => ({ property: k, reason: `the test bed's aws stand-in does not implement Instance input "${k}"` }));
      if (news.ami === undefined) failures.push({ property: "ami", reason: '"ami": one of `ami,launch_template` must be specified' });
      if (news.instanceType === undefined) failures.push({ property: "instanceType", reason: '"instance_type": one of `instance_type,launch_template` must be specified' });
      if (news.userData !== undefined && news.userDataBase64 !== undefined) failures.push({ property: "userData", reason: '"user_data": conflicts with user_data_base64' });
      if (typeof news.userData === "string" && news.userData.length > 16384) {
        failures.push({ property: "userData", reason: `expected length of user_data to be in the range (0 - 16384), got ${news.userData}` });
      }
      return { inputs: { ...news, userDataReplaceOnChange: news.userDataReplaceOnChange ?? false }, failures };
    },

    async diff(_id, _urn, olds, news) {
      return diffBySchema(olds, news, fields(news));
    },

    async create(_urn, raw) {
      const inputs = reveal(raw);
      const aws = session();
      const region: string = inputs.region || aws.settings.region;
      let id = "";
      try {
        const out = await aws.ec2<RunInstancesCommandOutput>(new RunInstancesCommand(await runInput(aws, inputs, region)), region);
        id = out.Instances![0]!.InstanceId!;
      } catch (err) {
        fail("creating EC2 Instance", err);
      }
      try {
        await waitForInstance(aws, id, region, ["pending"], ["running"], CREATE_TIMEOUT);
      } catch (err) {
        // The instance exists: the engine keeps it in state so that a later destroy removes it, and
        // renders the reasons as the bridge's error list itself.
        const reason = `waiting for EC2 Instance (${id}) create: ${(err as Error).message}`;
        throw new ResourceInitError(reason, id, clean({ ...inputs, region }));
      }
      const outs = await readInstance(aws, id, { ...inputs, region });
      if (!outs) fail(`reading EC2 Instance (${id})`, new Error("couldn't find resource"));
      return { id, outs };
    },

    async read(id, _urn, props) {
      const outs = await readInstance(session(), id, reveal(props));
      return outs ? { id, props: outs, inputs: inputsOf(outs) } : GONE;
    },

    async update(id, _urn, olds, news) {
      return { outs: await updateInstance(session(), id, reveal(olds), reveal(news), fields(news)) };
    },

    async delete(id, _urn, raw) {
      const aws = session();
      const region: string = reveal(raw).region || aws.settings.region;
      try {
        await aws.ec2(new TerminateInstancesCommand({ InstanceIds: [id] }), region);
      } catch (err) {
        if (errorCode(err) === "InvalidInstanceID.NotFound") return;
        fail(`terminating EC2 Instance (${id})`, err);
      }
      try {
        await waitForInstance(aws, id, region, ["pending", "running", "shutting-down", "stopping", "stopped"], ["terminated", ""], DELETE_TIMEOUT);
      } catch (err) {
        fail(`waiting for EC2 Instance (${id}) delete`, err);
      }
    },
  };
}

/** RunInstancesInput as Terraform's buildInstanceOpts builds it for these inputs. */
async function runInput(aws: AwsSession, inputs: Props, region: string): Promise<RunInstancesCommandInput> {
  const userData = inputs.userDataBase64 ?? (inputs.userData !== undefined ? Buffer.from(inputs.userData).toString("base64") : undefined);
  // A primary network interface is spelled out only when the public address is chosen explicitly.
  const explicitNic = inputs.associatePublicIpAddress !== undefined;
  const input: RunInstancesCommandInput = {
    ClientToken: uniqueId(""),
    ImageId: inputs.ami,
    InstanceType: inputs.instanceType,
    KeyName: inputs.keyName,
    MinCount: 1,
    MaxCount: 1,
    UserData: userData,
    DisableApiTermination: inputs.disableApiTermination,
    DisableApiStop: inputs.disableApiStop,
    Monitoring: inputs.monitoring !== undefined ? { Enabled: Boolean(inputs.monitoring) } : undefined,
    Placement: inputs.availabilityZone ? { AvailabilityZone: inputs.availabilityZone } : undefined,
    SecurityGroups: inputs.securityGroups?.length ? inputs.securityGroups : undefined,
    TagSpecifications: [...(tagSpecs("instance", inputs.tags) ?? []), ...(tagSpecs("volume", inputs.volumeTags) ?? [])],
  };
  if (explicitNic) {
    input.NetworkInterfaces = [
      {
        DeviceIndex: 0,
        AssociatePublicIpAddress: Boolean(inputs.associatePublicIpAddress),
        SubnetId: inputs.subnetId,
        Groups: inputs.vpcSecurityGroupIds,
        PrivateIpAddress: inputs.privateIp,
      },
    ];
  } else {
    Object.assign(input, { SubnetId: inputs.subnetId, SecurityGroupIds: inputs.vpcSecurityGroupIds, PrivateIpAddress: inputs.privateIp });
  }
  const root = inputs.rootBlockDevice;
  if (root && typeof root === "object" && Object.keys(root).length) {
    const image = await aws.ec2<DescribeImagesCommandOutput>(new DescribeImagesCommand({ ImageIds: [inputs.ami] }), region);
    input.BlockDeviceMappings = [
      {
        DeviceName: image.Images?.[0]?.RootDeviceName ?? "/dev/sda1",
        Ebs: {
          VolumeSize: root.volumeSize,
          VolumeType: root.volumeType,
          Iops: root.iops,
          Throughput: root.throughput,
          DeleteOnTermination: root.deleteOnTermination ?? true,
          Encrypted: root.encrypted,
          KmsKeyId: root.kmsKeyId,
        },
      },
    ];
  }
  return input;
}
