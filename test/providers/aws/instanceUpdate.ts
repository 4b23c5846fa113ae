// Updating an EC2 instance in place, in the order of Terraform's resourceInstanceUpdate: tags,
// security groups, then instance type and user data (which need the instance stopped: stop,
// modify, start), API protections, monitoring, and the root volume (ModifyVolume).
import {
  DescribeVolumesModificationsCommand,
  ModifyInstanceAttributeCommand,
  ModifyVolumeCommand,
  MonitorInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  UnmonitorInstancesCommand,
  type DescribeVolumesModificationsCommandOutput,
} from "@aws-sdk/client-ec2";
import type { Field, Props } from "../bridge.ts";
import type { AwsSession } from "./client.ts";
import { fail } from "./errors.ts";
import { readInstance, waitForInstance } from "./instanceRead.ts";
import { diffBySchema } from "./props.ts";
import { updateTags } from "./resource.ts";
import { waitForState } from "./wait.ts";

const TIMEOUT = 10 * 60_000;

export async function updateInstance(aws: AwsSession, id: string, olds: Props, news: Props, fields: Record<string, Field>): Promise<Props> {
  const region: string = olds.region || aws.settings.region;
  const changed = (k: string) => news[k] !== undefined && diffBySchema(olds, news, { [k]: fields[k]! }).changes;
  const step = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (err) {
      fail(`updating EC2 Instance (${id}) ${what}`, err);
    }
  };
  const modify = (what: string, attribute: Record<string, unknown>) =>
    step(what, () => aws.ec2(new ModifyInstanceAttributeCommand({ InstanceId: id, ...attribute }), region));

  await step("tags", () => updateTags(aws, id, olds.tags, news.tags));
  if (changed("vpcSecurityGroupIds")) await modify("security groups", { Groups: news.vpcSecurityGroupIds });
  if (changed("instanceType") || changed("userData") || changed("userDataBase64")) {
    await stopInstance(aws, id, region);
    if (changed("instanceType")) await modify("type", { InstanceType: { Value: news.instanceType } });
    if (changed("userData") || changed("userDataBase64")) {
      const data = news.userDataBase64 ? Buffer.from(news.userDataBase64, "base64") : Buffer.from(news.userData ?? "");
      await modify("user data", { UserData: { Value: data } });
    }
    await startInstance(aws, id, region);
  }
  if (changed("disableApiTermination")) await modify("disable_api_termination", { DisableApiTermination: { Value: Boolean(news.disableApiTermination) } });
  if (changed("disableApiStop")) await modify("disable_api_stop", { DisableApiStop: { Value: Boolean(news.disableApiStop) } });
  if (changed("monitoring")) {
    await step("monitoring", () =>
      aws.ec2(news.monitoring ? new MonitorInstancesCommand({ InstanceIds: [id] }) : new UnmonitorInstancesCommand({ InstanceIds: [id] }), region),
    );
  }
  if (changed("rootBlockDevice")) await updateRootVolume(aws, id, region, olds.rootBlockDevice ?? {}, news.rootBlockDevice);
  return (await readInstance(aws, id, { ...olds, ...news, region })) ?? {};
}

async function updateRootVolume(aws: AwsSession, id: string, region: string, state: Props, input: Props): Promise<void> {
  const volumeId: string = state.volumeId;
  const differs = (k: string) => input[k] !== undefined && input[k] !== state[k];
  if (differs("deleteOnTermination")) {
    try {
      await aws.ec2(
        new ModifyInstanceAttributeCommand({ InstanceId: id, BlockDeviceMappings: [{ DeviceName: state.deviceName, Ebs: { DeleteOnTermination: input.deleteOnTermination } }] }),
        region,
      );
    } catch (err) {
      fail(`updating EC2 Instance (${id}) root block device`, err);
    }
  }
  if (!["volumeSize", "volumeType", "iops", "throughput"].some(differs)) return;
  try {
    await aws.ec2(new ModifyVolumeCommand({ VolumeId: volumeId, Size: input.volumeSize, VolumeType: input.volumeType, Iops: input.iops, Throughput: input.throughput }), region);
  } catch (err) {
    fail(`modifying EC2 Volume "${volumeId}"`, err);
  }
  try {
    await waitForState({
      pending: ["modifying"],
      target: ["completed", "optimizing"],
      timeoutMs: TIMEOUT,
      refresh: async () => {
        const out = await aws.ec2<DescribeVolumesModificationsCommandOutput>(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }), region);
        const m = out.VolumesModifications?.[0];
        return { value: m, state: m?.ModificationState ?? "", lastError: m?.StatusMessage };
      },
    });
  } catch (err) {
    fail(`waiting for EC2 Volume (${volumeId}) update`, err);
  }
}

async function stopInstance(aws: AwsSession, id: string, region: string): Promise<void> {
  try {
    await aws.ec2(new StopInstancesCommand({ InstanceIds: [id] }), region);
  } catch (err) {
    fail(`updating EC2 Instance (${id}): stopping EC2 Instance (${id})`, err);
  }
  try {
    await waitForInstance(aws, id, region, ["pending", "running", "shutting-down", "stopping"], ["stopped"], TIMEOUT);
  } catch (err) {
    fail(`updating EC2 Instance (${id}): waiting for EC2 Instance (${id}) stop`, err);
  }
}

async function startInstance(aws: AwsSession, id: string, region: string): Promise<void> {
  try {
    await aws.ec2(new StartInstancesCommand({ InstanceIds: [id] }), region);
  } catch (err) {
    fail(`updating EC2 Instance (${id}): starting EC2 Instance (${id})`, err);
  }
  try {
    await waitForInstance(aws, id, region, ["pending", "stopped"], ["running"], TIMEOUT);
  } catch (err) {
    fail(`updating EC2 Instance (${id}): waiting for EC2 Instance (${id}) start`, err);
  }
}
