// The AWS adapter without an engine: the program under Pulumi's mocks, its catalog tables, and
// its errors as the official provider (AWS SDK for Go v2 under Terraform) writes them.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { awsCloud } from "./aws.ts";
import { pricesOf, PRICES_AS_OF } from "./aws-catalog.ts";
import type { ServerSpec } from "./cloud.ts";

const created: { type: string; name: string; inputs: Record<string, any> }[] = [];
const invoked: { token: string; args: Record<string, any> }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "aws:ec2/instance:Instance") state.publicIp = "127.0.9.7";
        if (args.type === "command:remote:Command") state.stdout = "node=x";
        return { id: args.type === "aws:ec2/instance:Instance" ? "i-0abc" : args.type === "aws:ec2/securityGroup:SecurityGroup" ? "sg-0def" : `${args.name}-id`, state };
      },
      call(args) {
        invoked.push({ token: args.token, args: args.inputs });
        return { id: "ami-0123456789abcdef0", name: "debian-12-arm64-20241119-1949" };
      },
    },
    "hoist",
    "server-db",
    true,
  );
});

const spec: ServerSpec = {
  cloud: "aws",
  name: "db",
  region: "eu-central-1",
  size: "t4g.small",
  image: "debian-12",
  sshPublicKey: "ssh-ed25519 AAAAkey hoist-db",
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
  nodeId: "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a",
  firewallPorts: [22, 80, 443],
  operatorKeys: [],
};

const value = <T>(o: pulumi.Output<T> | T) => new Promise<T>((resolve) => (pulumi.Output.isInstance(o) ? (o as pulumi.Output<T>).apply(resolve) : resolve(o as T)));
const explain = awsCloud.servers!.explainError;

describe("the AWS server program", () => {
  it("finds the image's newest build for the type's architecture, and tags every resource with the node", async () => {
    const outputs = (await awsCloud.servers!.program(spec)()) as Record<string, any>;
    // Resources register as their inputs resolve: read the last one's output first.
    await value(outputs.facts);
    expect(await value(outputs.sshUser)).toBe("admin");
    expect(await value(outputs.providerId)).toBe("i-0abc");
    expect(invoked).toEqual([
      {
        token: "aws:ec2/getAmi:getAmi",
        args: expect.objectContaining({ owners: ["136693071363"], mostRecent: true, filters: [{ name: "name", values: ["debian-12-arm64-*"] }, { name: "architecture", values: ["arm64"] }] }),
      },
    ]);
    const byType = (t: string) => created.find((c) => c.type === t)!.inputs;
    const tags = { Name: "db", "managed-by": "hoist", "hoist-node": spec.nodeId };
    expect(byType("aws:ec2/keyPair:KeyPair")).toMatchObject({ keyName: "hoist-db-9e8d7c6b", publicKey: spec.sshPublicKey, tags });
    const group = byType("aws:ec2/securityGroup:SecurityGroup");
    expect(group).toMatchObject({ name: "hoist-db-9e8d7c6b", tags });
    expect(group.ingress.map((r: any) => r.fromPort)).toEqual([22, 80, 443]);
    expect(byType("aws:ec2/instance:Instance")).toMatchObject({ ami: "ami-0123456789abcdef0", instanceType: "t4g.small", keyName: "hoist-db-9e8d7c6b", vpcSecurityGroupIds: ["sg-0def"], tags });
    // Debian's login user is admin: the configure step runs through sudo.
    const configure = byType("command:remote:Command");
    expect(configure.connection.value).toMatchObject({ host: "127.0.9.7", user: "admin" });
    expect(configure.create).toMatch(/^sudo -n sh -c '/);
  });

  it("logs in as each image's own user, and points the provider at a private endpoint with its documented options", () => {
    expect(awsCloud.servers!.loginUser("ubuntu-24.04")).toBe("ubuntu");
    expect(awsCloud.servers!.loginUser("debian-12")).toBe("admin");
    const cred = { secret: { reveal: () => ({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t" }) } as any, settings: { region: "us-east-1" }, endpoint: "http://127.0.0.1:5" };
    const config = awsCloud.servers!.providerConfig(cred, { region: "eu-central-1" });
    expect(config["aws:region"]).toEqual({ value: "eu-central-1", secret: false });
    expect(config["aws:accessKey"]).toEqual({ value: "AKIAEXAMPLE", secret: true });
    expect(config["aws:secretKey"]).toEqual({ value: "s3cr3t", secret: true });
    expect(JSON.parse(config["aws:endpoints"]!.value)).toEqual([{ ec2: "http://127.0.0.1:5", sts: "http://127.0.0.1:5", iam: "http://127.0.0.1:5" }]);
    expect(config["aws:skipCredentialsValidation"]!.value).toBe("true");
    expect(config["aws:skipRequestingAccountId"]!.value).toBe("true");
    // The public AWS needs none of that.
    expect(Object.keys(awsCloud.servers!.providerConfig({ ...cred, endpoint: undefined }, { region: "eu-central-1" })).sort()).toEqual(["aws:accessKey", "aws:region", "aws:secretKey"]);
  });

  it("prices types from its dated table, by the month of 730 hours", () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(pricesOf("t3.micro")["us-east-1"]).toEqual({ hourly: 0.0104, monthly: 7.59 });
    expect(pricesOf("m7i.large")["eu-central-1"]).toBeUndefined();
  });
});

// Texts as the provider reports them through Pulumi: Terraform's prefix, then the SDK's error.
const sdk = (operation: string, status: number, code: string, message: string, request = "6b1c9a0e-3f2d-4e5a-8b7c-9d0e1f2a3b4c") =>
  `  aws:ec2:Instance (server):\n    error: 1 error occurred:\n\t* creating EC2 Instance: operation error EC2: ${operation}, https response error StatusCode: ${status}, RequestID: ${request}, api error ${code}: ${message}\n`;

describe("AWS errors in operator words", () => {
  it("names rejected and unauthorised keys, with the request id", () => {
    expect(explain(sdk("RunInstances", 401, "AuthFailure", "AWS was not able to validate the provided access credentials"))).toEqual({
      code: "AuthFailure",
      reason: "AWS rejected the access key: AWS was not able to validate the provided access credentials (request 6b1c9a0e-3f2d-4e5a-8b7c-9d0e1f2a3b4c)",
      action: expect.stringContaining("Credentials tab"),
      retryable: false,
      auth: true,
    });
    expect(explain(sdk("RunInstances", 403, "UnauthorizedOperation", "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/hoist is not authorized to perform: ec2:RunInstances"))).toMatchObject({
      code: "UnauthorizedOperation",
      auth: true,
      retryable: false,
    });
    expect(explain("error: validating provider credentials: retrieving caller identity from STS: operation error STS: GetCallerIdentity, https response error StatusCode: 403, RequestID: 1f, api error InvalidClientTokenId: The security token included in the request is invalid.")).toMatchObject({ code: "InvalidClientTokenId", auth: true });
  });

  it("tells quota, capacity, bad settings and throttling apart", () => {
    expect(explain(sdk("RunInstances", 400, "InstanceLimitExceeded", "You have requested more instances (1) than your current instance limit of 0 allows for the specified instance type."))).toMatchObject({ code: "InstanceLimitExceeded", retryable: false, auth: false });
    expect(explain(sdk("RunInstances", 400, "VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of 0 allows."))).toMatchObject({ code: "VcpuLimitExceeded", retryable: false });
    expect(explain(sdk("RunInstances", 500, "InsufficientInstanceCapacity", "We currently do not have sufficient t3.small capacity in the Availability Zone you requested (us-east-1a)."))).toMatchObject({ code: "InsufficientInstanceCapacity", retryable: true });
    expect(explain(sdk("RunInstances", 400, "InvalidParameterValue", "Invalid availability zone: [eu-central-9a]"))).toMatchObject({ code: "InvalidParameterValue", retryable: false });
    expect(explain("error: operation error EC2: DescribeImages, exceeded maximum number of attempts, 3, https response error StatusCode: 503, RequestID: 0e2f, api error RequestLimitExceeded: Request limit exceeded.")).toMatchObject({ code: "RequestLimitExceeded", retryable: true });
  });

  it("explains an instance that ended before it ran, and falls back to the shared explanations", () => {
    expect(explain("error: waiting for EC2 Instance (i-0abc) create: unexpected state 'terminated', wanted target 'running'. last error: Server.InsufficientInstanceCapacity: Insufficient capacity.")).toMatchObject({
      code: "Server.InsufficientInstanceCapacity",
      reason: "AWS could not start the instance: it became terminated instead of running (Server.InsufficientInstanceCapacity: Insufficient capacity.)",
      retryable: true,
    });
    expect(explain("error: something unexpected").reason).toBe("something unexpected");
  });
});
