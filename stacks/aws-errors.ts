// AWS's failures in the operator's words. The provider (AWS SDK for Go v2) reports API errors as
// `operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: <id>,
// api error <Code>: <message>`, behind Terraform's `creating EC2 Instance: …`.
import type { ExplainedError } from "./cloud.ts";
import { errorLines, explainCommon, unknownError } from "./errors.ts";

type Known = Omit<ExplainedError, "code">;

const credentialRejected: Known = {
  reason: "AWS rejected the access key",
  action: "Check the credential on the Credentials tab (an active access key pair of an IAM user), then retry.",
  retryable: false,
  auth: true,
};
const quota: Known = {
  reason: "The AWS account's instance limit for this region is reached",
  action: "Terminate instances you no longer need, or request a higher EC2 quota (Service Quotas → EC2), then retry.",
  retryable: false,
  auth: false,
};
const settings: Known = { reason: "AWS refused the server's settings", action: "Destroy this server and create it with another region, size or image.", retryable: false, auth: false };
const throttled: Known = { reason: "AWS's API request rate limit was hit", action: "Wait a minute, then retry.", retryable: true, auth: false };
const internal: Known = { reason: "AWS had an internal error", action: "Retry in a few minutes.", retryable: true, auth: false };
const duplicate: Known = { reason: "A resource with this name already exists at AWS", action: "Delete or rename it in the AWS console (EC2 → Key pairs, Security groups), then retry.", retryable: false, auth: false };

const codes: Record<string, Known> = {
  AuthFailure: credentialRejected,
  InvalidClientTokenId: credentialRejected,
  SignatureDoesNotMatch: credentialRejected,
  UnrecognizedClientException: credentialRejected,
  ExpiredToken: credentialRejected,
  UnauthorizedOperation: {
    reason: "The AWS access key may not do this",
    action: "Grant the IAM user the permissions listed in the README (EC2 instances, key pairs, security groups), then retry.",
    retryable: false,
    auth: true,
  },
  InstanceLimitExceeded: quota,
  VcpuLimitExceeded: quota,
  InsufficientInstanceCapacity: { reason: "AWS has no capacity for this instance type in this region right now", action: "Retry later, or destroy and choose another size or region.", retryable: true, auth: false },
  InvalidParameterValue: settings,
  InvalidParameterCombination: settings,
  Unsupported: settings,
  "InvalidAMIID.NotFound": settings,
  "InvalidAMIID.Malformed": settings,
  "InvalidKeyPair.Duplicate": duplicate,
  "InvalidGroup.Duplicate": duplicate,
  RequestLimitExceeded: throttled,
  Throttling: throttled,
  InternalError: internal,
  Unavailable: internal,
  ServiceUnavailable: internal,
};

const apiError = /StatusCode: (\d{3}), RequestID: ([^,]*), (?:[^,]*, )?api error ([A-Za-z0-9.]+): (.*)$/;

export function explainAwsError(message: string): ExplainedError {
  if (/No valid credential sources found|unable to validate AWS credentials|The configured AWS credentials are invalid or have expired/i.test(message)) {
    return { ...credentialRejected, reason: `${credentialRejected.reason}: ${errorLines(message)[0] ?? "no valid credentials"}`, code: "AuthFailure" };
  }
  for (const line of errorLines(message)) {
    const m = apiError.exec(line);
    if (!m) continue;
    const [, status, requestId, code, detail] = m as unknown as [string, string, string, string, string];
    const request = requestId ? ` (request ${requestId})` : "";
    const known = codes[code] ?? (Number(status) >= 500 ? internal : undefined);
    if (known) return { ...known, reason: `${known.reason}: ${detail}${request}`, code };
    return { reason: `AWS could not complete the request: ${detail}${request}`, code, action: "Retry; if it fails again, destroy the server and create it again.", retryable: true, auth: false };
  }
  // The launch was accepted, then the instance ended before it ran (its state reason says why).
  const state = /unexpected state '([a-z-]+)', wanted target '([a-z, -]+)'(?:\. last error: ([^\n]*))?/.exec(message);
  if (state) {
    const [, got, wanted, last] = state;
    const code = /^([A-Za-z]+\.[A-Za-z]+):/.exec(last ?? "")?.[1] ?? "instance_failed";
    return {
      reason: `AWS could not start the instance: it became ${got} instead of ${wanted}${last ? ` (${last})` : ""}`,
      code,
      action: "Retry; if it fails again, destroy the server and create it with another size or region.",
      retryable: true,
      auth: false,
    };
  }
  return explainCommon(message) ?? unknownError(message);
}
