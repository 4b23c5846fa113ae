// aws:ec2/getAmi:getAmi — Terraform's aws_ami data source: DescribeImages with the given owners and
// filters, then name_regex, then most_recent (newest creation date) or an error when ambiguous.
import { DescribeImagesCommand, type DescribeImagesCommandOutput, type Image } from "@aws-sdk/client-ec2";
import type { InvokeResult } from "@pulumi/pulumi/provider/index.js";
import { reveal, type Props } from "../bridge.ts";
import type { AwsSession } from "./client.ts";
import { multiError, ProviderError } from "./errors.ts";
import { tagMap } from "./props.ts";

export const GET_AMI = "aws:ec2/getAmi:getAmi";

export async function getAmi(aws: AwsSession, rawArgs: Props): Promise<InvokeResult> {
  const args = reveal(rawArgs);
  const region: string = args.region || aws.settings.region;
  const fail = (message: string): never => {
    throw new ProviderError(`invoking ${GET_AMI}: ${multiError(message)}`);
  };
  let out: DescribeImagesCommandOutput | undefined;
  try {
    out = await aws.ec2<DescribeImagesCommandOutput>(
      new DescribeImagesCommand({
        IncludeDeprecated: Boolean(args.includeDeprecated),
        ExecutableUsers: args.executableUsers?.length ? args.executableUsers : undefined,
        Owners: args.owners?.length ? args.owners : undefined,
        Filters: (args.filters ?? []).map((f: { name: string; values: string[] }) => ({ Name: f.name, Values: f.values })),
      }),
      region,
    );
  } catch (err) {
    fail(`reading EC2 AMIs: ${(err as Error).message}`);
  }
  let images = out?.Images ?? [];
  if (args.nameRegex) {
    const re = new RegExp(args.nameRegex);
    images = images.filter((i) => re.test(i.Name ?? ""));
  }
  if (images.length < 1) fail("Your query returned no results. Please change your search criteria and try again.");
  if (images.length > 1) {
    if (!args.mostRecent) {
      fail("Your query returned more than one result. Please try more specific search criteria, or set `most_recent` attribute to true.");
    }
    images = [...images].sort((a, b) => Date.parse(b.CreationDate ?? "") - Date.parse(a.CreationDate ?? ""));
  }
  return { outputs: amiOutputs(aws, images[0]!, args, region) };
}

function amiOutputs(aws: AwsSession, image: Image, args: Props, region: string): Props {
  return {
    ...args,
    allowUnsafeFilter: args.allowUnsafeFilter ?? false,
    includeDeprecated: args.includeDeprecated ?? false,
    mostRecent: args.mostRecent ?? false,
    id: image.ImageId,
    imageId: image.ImageId,
    arn: `arn:${aws.partition}:ec2:${region}::image/${image.ImageId}`,
    architecture: image.Architecture ?? "",
    blockDeviceMappings: (image.BlockDeviceMappings ?? []).map((m) => ({
      deviceName: m.DeviceName ?? "",
      ebs: m.Ebs
        ? {
            delete_on_termination: String(m.Ebs.DeleteOnTermination ?? false),
            encrypted: String(m.Ebs.Encrypted ?? false),
            iops: String(m.Ebs.Iops ?? 0),
            snapshot_id: m.Ebs.SnapshotId ?? "",
            throughput: String(m.Ebs.Throughput ?? 0),
            volume_size: String(m.Ebs.VolumeSize ?? 0),
            volume_type: m.Ebs.VolumeType ?? "",
          }
        : {},
      noDevice: m.NoDevice ?? "",
      virtualName: m.VirtualName ?? "",
    })),
    bootMode: image.BootMode ?? "",
    creationDate: image.CreationDate ?? "",
    deprecationTime: image.DeprecationTime ?? "",
    description: image.Description ?? "",
    enaSupport: image.EnaSupport ?? false,
    hypervisor: image.Hypervisor ?? "",
    imageLocation: image.ImageLocation ?? "",
    imageOwnerAlias: image.ImageOwnerAlias ?? "",
    imageType: image.ImageType ?? "",
    imdsSupport: image.ImdsSupport ?? "",
    kernelId: image.KernelId ?? "",
    lastLaunchedTime: image.LastLaunchedTime ?? "",
    name: image.Name ?? "",
    ownerId: image.OwnerId ?? "",
    platform: image.Platform ?? "",
    platformDetails: image.PlatformDetails ?? "",
    productCodes: (image.ProductCodes ?? []).map((p) => ({ productCodeId: p.ProductCodeId ?? "", productCodeType: p.ProductCodeType ?? "" })),
    public: image.Public ?? false,
    ramdiskId: image.RamdiskId ?? "",
    region,
    rootDeviceName: image.RootDeviceName ?? "",
    rootDeviceType: image.RootDeviceType ?? "",
    rootSnapshotId: image.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName)?.Ebs?.SnapshotId ?? "",
    sriovNetSupport: image.SriovNetSupport ?? "",
    state: image.State ?? "",
    stateReason: { code: image.StateReason?.Code ?? "UNSET", message: image.StateReason?.Message ?? "UNSET" },
    tags: tagMap(image.Tags),
    tpmSupport: image.TpmSupport ?? "",
    usageOperation: image.UsageOperation ?? "",
    virtualizationType: image.VirtualizationType ?? "",
  };
}
