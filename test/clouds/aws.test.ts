// AWS EC2 instances through Hoist (moto behind the EC2 front): the shared suite (see suite.ts).
import { cloudSuite } from "./suite.ts";

cloudSuite("aws", {
  label: "Amazon Web Services",
  auth: { code: "AuthFailure", reason: /^AWS rejected the access key: AWS was not able to validate the provided access credentials \(request [0-9a-f-]{36}\)$/ },
  quota: { code: "InstanceLimitExceeded", reason: /^The AWS account's instance limit for this region is reached: You have requested more instances \(1\)/ },
  failedAfterAcceptance: { code: "Server.InternalError", reason: /^AWS could not start the instance: it became terminated instead of running \(Server\.InternalError: no capacity left for this size\)$/, kept: false },
});
