// AWS EC2: an instance in the region's default VPC with its key pair and security group. The
// credential is an access key pair and a default region; servers may go to any priced region.
import * as aws from "@pulumi/aws";
import { DescribeImagesCommand, DescribeInstanceTypesCommand, DescribeRegionsCommand, EC2Client, type _InstanceType } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { z } from "zod";
import { findAwsResource, powerAwsInstance } from "./aws-api.ts";
import { archOf, AWS_IMAGES, AWS_TYPES, imageOf, PRICES_AS_OF, pricedRegions, pricesOf, REGION_NAMES, ROOT_VOLUME_GB } from "./aws-catalog.ts";
import { explainAwsError } from "./aws-errors.ts";
import type { Catalog, CloudAdapter, CloudCredential } from "./cloud.ts";
import { configureStep, hostname, SERVER_RESOURCE, serverOutputs } from "./server.ts";

const authErrors = new Set(["InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure", "UnrecognizedClientException", "AccessDenied", "ExpiredToken"]);

const clientOptions = (cred: CloudCredential, region: string) => {
  const secret = cred.secret.reveal();
  return {
    region,
    endpoint: cred.endpoint,
    credentials: { accessKeyId: secret.accessKeyId ?? "", secretAccessKey: secret.secretAccessKey ?? "" },
    maxAttempts: 2,
    requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000 },
  };
};

export const ec2Client = (cred: CloudCredential, region = cred.settings.region ?? "us-east-1") => new EC2Client(clientOptions(cred, region));

async function catalog(cred: CloudCredential, opts?: { signal?: AbortSignal }): Promise<Catalog> {
  const ec2 = ec2Client(cred);
  const abortSignal = opts?.signal;
  try {
    const [regions, types, images] = await Promise.all([
      ec2.send(new DescribeRegionsCommand({}), { abortSignal }),
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: AWS_TYPES.map((t) => t.type as _InstanceType) }), { abortSignal }),
      ec2.send(
        new DescribeImagesCommand({
          Owners: [...new Set(AWS_IMAGES.map((i) => i.owner))],
          Filters: [{ Name: "name", Values: AWS_IMAGES.map((i) => i.name("amd64")) }, { Name: "state", Values: ["available"] }],
        }),
        { abortSignal },
      ),
    ]);
    const priced = new Set(pricedRegions());
    const specs = new Map((types.InstanceTypes ?? []).map((t) => [t.InstanceType as string, t]));
    const found = images.Images ?? [];
    return {
      currency: "USD",
      pricesNote: `On-demand Linux prices from Hoist's table of ${PRICES_AS_OF} (EC2 has no price API); the ${ROOT_VOLUME_GB} GB gp3 disk is billed apart.`,
      locations: (regions.Regions ?? [])
        .map((r) => r.RegionName!)
        .filter((r) => priced.has(r))
        .sort()
        .map((r) => ({ id: r, label: `${REGION_NAMES[r] ?? r} (${r})` })),
      sizes: AWS_TYPES.filter((t) => specs.has(t.type)).map((t) => {
        const s = specs.get(t.type)!;
        const cpus = s.VCpuInfo?.DefaultVCpus ?? 0;
        const memoryGb = Math.round(((s.MemoryInfo?.SizeInMiB ?? 0) / 1024) * 10) / 10;
        return { id: t.type, label: `${t.type}: ${cpus} vCPU, ${memoryGb} GB RAM, ${ROOT_VOLUME_GB} GB disk`, cpus, memoryGb, diskGb: ROOT_VOLUME_GB, architecture: t.arch, prices: pricesOf(t.type) };
      }),
      // An image is offered when its publisher has a build of it in the credential's region.
      images: AWS_IMAGES.filter((i) => found.some((f) => f.OwnerId === i.owner && globMatch(i.name("amd64"), f.Name ?? ""))).map((i) => ({ id: i.id, label: i.label })),
    };
  } finally {
    ec2.destroy();
  }
}

/** AMI name filters use `*` as the only wildcard. */
const globMatch = (pattern: string, name: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(name);

export const awsCloud: CloudAdapter = {
  id: "aws",
  label: "Amazon Web Services",
  credentialFields: [
    {
      key: "accessKeyId",
      label: "Access key ID",
      secret: true,
      placeholder: "AKIA…",
      schema: z.string().regex(/^[A-Z0-9]{16,128}$/, "must be an AWS access key ID: 16 to 128 capital letters and digits"),
    },
    {
      key: "secretAccessKey",
      label: "Secret access key",
      secret: true,
      schema: z.string().regex(/^[A-Za-z0-9/+=]{16,128}$/, "must be an AWS secret access key: 16 to 128 characters of A-Z, a-z, 0-9, / + ="),
    },
    {
      key: "region",
      label: "Default region",
      secret: false,
      placeholder: "eu-central-1",
      help: "Where servers go unless you pick another region.",
      schema: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/, "must be an AWS region such as eu-central-1"),
    },
  ],
  async checkCredential(cred, opts) {
    const sts = new STSClient({ ...clientOptions(cred, cred.settings.region ?? "us-east-1"), maxAttempts: 1 });
    try {
      const id = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: opts?.signal });
      return { validity: "valid", detail: `account ${id.Account}` };
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const code = e.name;
      if (authErrors.has(code) || e.$metadata?.httpStatusCode === 403) {
        return { validity: "invalid", reason: `AWS rejected the credential: ${e.message} (${code})` };
      }
      if (e.$metadata?.httpStatusCode) return { validity: "unverified", reason: `AWS answered ${e.$metadata.httpStatusCode}: ${e.message} (${code})` };
      return { validity: "unverified", reason: `AWS could not be reached: ${e.message}` };
    } finally {
      sts.destroy();
    }
  },
  servers: {
    // The instance's Name tag and the key pair's and security group's names derive from it.
    name: hostname,
    catalog,
    loginUser: (image) => imageOf(image)?.loginUser ?? "ubuntu",
    providerConfig(cred, server) {
      const secret = cred.secret.reveal();
      return {
        "aws:region": { value: server.region, secret: false },
        "aws:accessKey": { value: secret.accessKeyId ?? "", secret: true },
        "aws:secretKey": { value: secret.secretAccessKey ?? "", secret: true },
        // A private endpoint (an AWS-compatible cloud, the test bed) through the provider's own
        // options: every service there, and none of the calls to AWS's global endpoints.
        ...(cred.endpoint && {
          "aws:endpoints": { value: JSON.stringify([{ ec2: cred.endpoint, sts: cred.endpoint, iam: cred.endpoint }]), secret: false },
          "aws:skipCredentialsValidation": { value: "true", secret: false },
          "aws:skipRequestingAccountId": { value: "true", secret: false },
          "aws:skipMetadataApiCheck": { value: "true", secret: false },
        }),
      };
    },
    program: (spec) => async () => {
      const image = imageOf(spec.image);
      if (!image) throw new Error(`hoist:image ${JSON.stringify(spec.image)} is not an image Hoist offers on AWS`);
      const arch = archOf(spec.size);
      const tags = { Name: spec.name, "managed-by": "hoist", "hoist-node": spec.nodeId };
      // Names must be unique in the region (key pairs) or the VPC (security groups), and two Hoist
      // users may share an account: the node id keeps them apart.
      const unique = `hoist-${spec.name}-${spec.nodeId.slice(0, 8)}`;
      // Awaited, so that a refused lookup fails the program itself rather than an output later.
      const ami = await aws.ec2.getAmi({
        owners: [image.owner],
        mostRecent: true,
        filters: [
          { name: "name", values: [image.name(arch === "arm64" ? "arm64" : "amd64")] },
          { name: "architecture", values: [arch] },
        ],
      });
      const key = new aws.ec2.KeyPair("ssh-key", { keyName: unique, publicKey: spec.sshPublicKey, tags }, { deleteBeforeReplace: true });
      const group = new aws.ec2.SecurityGroup(
        "firewall",
        {
          name: unique,
          description: `Hoist server ${spec.name}`,
          ingress: spec.firewallPorts.map((port) => ({ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] })),
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
          tags,
        },
        { deleteBeforeReplace: true },
      );
      const instance = new aws.ec2.Instance(
        SERVER_RESOURCE,
        {
          ami: ami.id,
          instanceType: spec.size,
          keyName: key.keyName,
          vpcSecurityGroupIds: [group.id],
          rootBlockDevice: { volumeSize: ROOT_VOLUME_GB, volumeType: "gp3" },
          tags,
        },
        // The newest build of the image is looked up on every run; a newer one must not replace a
        // running server. A rebuild is a replace asked for on purpose.
        { ignoreChanges: ["ami"] },
      );
      const configure = configureStep(spec, { host: instance.publicIp, user: image.loginUser, dependsOn: [instance] });
      return serverOutputs(spec, { providerId: instance.id, ipv4: instance.publicIp, sshUser: image.loginUser, running: instance.instanceState.apply((s) => s === "running") }, configure);
    },
    explainError: explainAwsError,
    powerState: { type: "aws:ec2/instance:Instance", property: "instanceState", running: "running" },
    // EC2's capacity and its instance and vCPU quotas are all per region.
    regionalCodes: ["InsufficientInstanceCapacity", "InstanceLimitExceeded", "VcpuLimitExceeded"],
    power: powerAwsInstance,
    findResource: findAwsResource,
  },
};
