// The stand-in's pure parts: aws-sdk-go-v2's error wording, and security group rules read back
// from EC2's merged permissions.
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { goSdkError, multiError } from "./errors.ts";
import { normalizeRules, rulesFromPermissions, toPermission } from "./sgRules.ts";

function apiError(name: string, message: string, status: number, attempts = 1) {
  return new EC2ServiceException({ name, message, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status, requestId: "req-1", attempts } });
}

describe("aws-sdk-go-v2 error wording", () => {
  it("formats an API error", () => {
    const e = goSdkError(apiError("InstanceLimitExceeded", "limit", 400), "EC2", "RunInstances", 2, "http://127.0.0.1:1");
    expect(e.message).toBe("operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: req-1, api error InstanceLimitExceeded: limit");
    expect(e.code).toBe("InstanceLimitExceeded");
  });

  it("says when retries ran out on a retryable error", () => {
    const e = goSdkError(apiError("RequestLimitExceeded", "Request limit exceeded.", 503, 3), "EC2", "DescribeImages", 3, "http://127.0.0.1:1");
    expect(e.message).toBe(
      "operation error EC2: DescribeImages, exceeded maximum number of attempts, 3, https response error StatusCode: 503, RequestID: req-1, api error RequestLimitExceeded: Request limit exceeded.",
    );
  });

  it("reports an endpoint that cannot be reached as Go's dial error", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED", $metadata: { attempts: 1 } });
    const e = goSdkError(refused, "STS", "GetCallerIdentity", 1, "http://127.0.0.1:9");
    expect(e.message).toBe(
      'operation error STS: GetCallerIdentity, exceeded maximum number of attempts, 1, https response error StatusCode: 0, RequestID: , request send failed, Post "http://127.0.0.1:9": dial tcp 127.0.0.1:9: connect: connection refused',
    );
  });

  it("renders diagnostics as go-multierror does", () => {
    expect(multiError("creating EC2 Instance: x")).toBe("1 error occurred:\n\t* creating EC2 Instance: x\n\n");
  });
});

describe("security group rules", () => {
  const stored = normalizeRules([
    { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] },
    { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["192.168.0.0/16"] },
    { protocol: "all", fromPort: 0, toPort: 0, self: true },
  ]);

  it("normalizes protocols and fills every field", () => {
    expect(stored.map((r) => r.protocol).sort()).toEqual(["-1", "tcp", "tcp"]);
    expect(stored.every((r) => Array.isArray(r.ipv6CidrBlocks) && r.description === "")).toBe(true);
  });

  it("keeps the rules as written when EC2's merged permissions grant the same", () => {
    const merged = [
      { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "192.168.0.0/16" }, { CidrIp: "10.0.0.0/8" }] },
      { IpProtocol: "-1", FromPort: 0, ToPort: 0, UserIdGroupPairs: [{ GroupId: "sg-1" }] },
    ];
    expect(rulesFromPermissions(merged, "sg-1", stored)).toBe(stored);
  });

  it("reports the live rules when they grant something else", () => {
    const live = rulesFromPermissions([{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }], "sg-1", stored);
    expect(live).toEqual(normalizeRules([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }]));
  });

  it("turns a self rule into a pair with the group itself", () => {
    const self = stored.find((r) => r.self)!;
    expect(toPermission(self, "sg-1")).toMatchObject({ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: "sg-1" }] });
  });
});
