// The shared fault vocabulary (../faults.ts) as AWS answers it: status codes, error codes and
// messages as EC2 and STS send them.
import type { FaultSet } from "../faults.ts";
import { awsError, type AwsErrorAnswer, type AwsRequest } from "./query.ts";

/** The catalog calls a client makes to learn regions, zones, instance types and images. */
export const CATALOG_ACTIONS = new Set([
  "DescribeRegions",
  "DescribeAvailabilityZones",
  "DescribeInstanceTypes",
  "DescribeInstanceTypeOfferings",
  "DescribeImages",
]);

/** What the front does instead of forwarding: answer an error, or never answer at all. */
export type Intercept = AwsErrorAnswer | "hang" | undefined;

/** The fault (if any) that answers this request before it reaches moto. */
export function faultAnswer(faults: FaultSet, req: AwsRequest): Intercept {
  const ec2 = req.service === "ec2";
  if (faults.take("reject-token")) {
    return ec2
      ? awsError("ec2", 401, "AuthFailure", "AWS was not able to validate the provided access credentials")
      : awsError(req.service, 403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  if (faults.take("rate-limit")) {
    return ec2
      ? awsError("ec2", 503, "RequestLimitExceeded", "Request limit exceeded.")
      : awsError(req.service, 400, "Throttling", "Rate exceeded");
  }
  if (ec2 && CATALOG_ACTIONS.has(req.action)) {
    const down = faults.take("catalog-down");
    if (down?.mode === "timeout") return "hang";
    if (down) return awsError("ec2", 503, "Unavailable", "The server is unavailable. Please try again later.");
  }
  if (ec2 && req.action === "RunInstances" && faults.take("quota")) {
    const count = req.params.get("MaxCount") ?? "1";
    return awsError(
      "ec2",
      400,
      "InstanceLimitExceeded",
      `You have requested more instances (${count}) than your current instance limit of 0 allows for the specified instance type. ` +
        "Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
    );
  }
  return undefined;
}

/** How a launch accepted under an `action-fails` fault ends: the instance's state reason. */
export function launchFailure(faults: FaultSet): { code: string; message: string } | undefined {
  const f = faults.take("action-fails");
  if (!f) return undefined;
  const code = f.code ?? "Server.InternalError";
  const message = f.message ?? "Internal error on launch";
  // AWS's state reason messages repeat the code in front ("Server.InternalError: Internal error on launch").
  return { code, message: message.startsWith(`${code}:`) ? message : `${code}: ${message}` };
}
