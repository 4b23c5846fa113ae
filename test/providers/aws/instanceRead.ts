// Reading an EC2 instance into the provider's state, with the calls Terraform's resourceInstanceRead
// makes: DescribeInstances (a terminated instance counts as gone), DescribeInstanceTypes, the
// instance attributes, the root volume and, for burstable types, the credit specification.
import {
  DescribeInstanceAttributeCommand,
  DescribeInstanceCreditSpecificationsCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeVolumesCommand,
  type DescribeInstanceAttributeCommandOutput,
  type DescribeInstancesCommandOutput,
  type DescribeInstanceTypesCommandOutput,
  type DescribeVolumesCommandOutput,
  type Instance,
} from "@aws-sdk/client-ec2";
import { createHash } from "node:crypto";
import type { Props } from "../bridge.ts";
import type { AwsSession } from "./client.ts";
import { errorCode, fail } from "./errors.ts";
import { tagMap } from "./props.ts";
import { waitForState } from "./wait.ts";

/** The instance as EC2 describes it now; `undefined` when it does not exist or is terminated. */
export async function findInstance(aws: AwsSession, id: string, region: string): Promise<Instance | undefined> {
  try {
    const out = await aws.ec2<DescribeInstancesCommandOutput>(new DescribeInstancesCommand({ InstanceIds: [id] }), region);
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (err) {
    if (errorCode(err) === "InvalidInstanceID.NotFound") return undefined;
    throw err;
  }
}

/** Terraform stores user data as the hex SHA-1 of its text, not the text. */
export function userDataHash(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** The resource's outputs, or `undefined` when the instance is gone (terminated instances included). */
export async function readInstance(aws: AwsSession, id: string, state: Props): Promise<Props | undefined> {
  const region: string = state.region || aws.settings.region;
  try {
    const i = await findInstance(aws, id, region);
    if (!i || i.State?.Name === "terminated") return undefined;
    const typeInfo = await aws.ec2<DescribeInstanceTypesCommandOutput>(new DescribeInstanceTypesCommand({ InstanceTypes: [i.InstanceType!] }), region);
    const attribute = (Attribute: string) =>
      aws.ec2<DescribeInstanceAttributeCommandOutput>(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: Attribute as never }), region);
    const disableApiStop = await attribute("disableApiStop");
    const disableApiTermination = await attribute("disableApiTermination");
    const userData = await attribute("userData");
    const shutdown = await attribute("instanceInitiatedShutdownBehavior");
    const root = i.BlockDeviceMappings?.find((m) => m.DeviceName === i.RootDeviceName);
    const volumes = root?.Ebs?.VolumeId
      ? (await aws.ec2<DescribeVolumesCommandOutput>(new DescribeVolumesCommand({ VolumeIds: [root.Ebs.VolumeId] }), region)).Volumes ?? []
      : [];
    if (typeInfo.InstanceTypes?.[0]?.BurstablePerformanceSupported) {
      await aws.ec2(new DescribeInstanceCreditSpecificationsCommand({ InstanceIds: [id] }), region);
    }
    const nic = i.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0);
    const rawUserData = userData.UserData?.Value ? Buffer.from(userData.UserData.Value, "base64").toString("utf8") : undefined;
    const tags = tagMap(i.Tags);
    const volume = volumes[0];
    return {
      ami: i.ImageId ?? "",
      arn: aws.arn("ec2", `instance/${id}`, region),
      associatePublicIpAddress: nic ? nic.Association !== undefined : i.PublicIpAddress !== undefined,
      availabilityZone: i.Placement?.AvailabilityZone ?? "",
      disableApiStop: disableApiStop.DisableApiStop?.Value ?? false,
      disableApiTermination: disableApiTermination.DisableApiTermination?.Value ?? false,
      ebsOptimized: i.EbsOptimized ?? false,
      getPasswordData: false,
      instanceInitiatedShutdownBehavior: shutdown.InstanceInitiatedShutdownBehavior?.Value ?? "stop",
      instanceState: i.State?.Name ?? "",
      instanceType: i.InstanceType ?? "",
      ipv6AddressCount: nic?.Ipv6Addresses?.length ?? 0,
      ipv6Addresses: (nic?.Ipv6Addresses ?? []).map((a) => a.Ipv6Address!),
      keyName: i.KeyName ?? "",
      metadataOptions: {
        httpEndpoint: i.MetadataOptions?.HttpEndpoint ?? "enabled",
        httpProtocolIpv6: i.MetadataOptions?.HttpProtocolIpv6 ?? "disabled",
        httpPutResponseHopLimit: i.MetadataOptions?.HttpPutResponseHopLimit ?? 1,
        httpTokens: i.MetadataOptions?.HttpTokens ?? "optional",
        instanceMetadataTags: i.MetadataOptions?.InstanceMetadataTags ?? "disabled",
      },
      monitoring: i.Monitoring?.State === "enabled" || i.Monitoring?.State === "pending",
      primaryNetworkInterfaceId: nic?.NetworkInterfaceId ?? "",
      privateDns: i.PrivateDnsName ?? "",
      privateIp: i.PrivateIpAddress ?? "",
      publicDns: i.PublicDnsName ?? "",
      publicIp: i.PublicIpAddress ?? "",
      region,
      rootBlockDevice: volume
        ? {
            deleteOnTermination: root?.Ebs?.DeleteOnTermination ?? true,
            deviceName: root?.DeviceName ?? "",
            encrypted: volume.Encrypted ?? false,
            iops: volume.Iops ?? 0,
            kmsKeyId: volume.KmsKeyId ?? "",
            tags: tagMap(volume.Tags),
            throughput: volume.Throughput ?? 0,
            volumeId: volume.VolumeId ?? "",
            volumeSize: volume.Size ?? 0,
            volumeType: volume.VolumeType ?? "",
          }
        : undefined,
      secondaryPrivateIps: (nic?.PrivateIpAddresses ?? []).filter((a) => !a.Primary).map((a) => a.PrivateIpAddress!),
      securityGroups: state.securityGroups?.length ? (i.SecurityGroups ?? []).map((g) => g.GroupName!).sort() : [],
      sourceDestCheck: i.SourceDestCheck ?? true,
      subnetId: nic?.SubnetId ?? i.SubnetId ?? "",
      tags,
      tagsAll: tags,
      tenancy: i.Placement?.Tenancy ?? "default",
      userData: state.userDataBase64 !== undefined || rawUserData === undefined ? state.userData : userDataHash(rawUserData),
      userDataBase64: state.userDataBase64 !== undefined ? userData.UserData?.Value : undefined,
      userDataReplaceOnChange: state.userDataReplaceOnChange ?? false,
      volumeTags: state.volumeTags,
      vpcSecurityGroupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId!).sort(),
    };
  } catch (err) {
    fail(`reading EC2 Instance (${id})`, err);
  }
}

/** Polls DescribeInstances until the instance reaches `target` (Terraform's instance waiters). */
export async function waitForInstance(aws: AwsSession, id: string, region: string, pending: string[], target: string[], timeoutMs: number): Promise<void> {
  await waitForState({
    pending,
    target,
    timeoutMs,
    refresh: async () => {
      const i = await findInstance(aws, id, region);
      return { value: i, state: i?.State?.Name ?? "", lastError: i?.StateReason?.Message };
    },
  });
}
