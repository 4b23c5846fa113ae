// The `aws` plugin stand-in (pulumi-aws 7.48.0's EC2 instance, key pair, security group and getAmi
// against the test bed's AWS emulator), started by the engine as `pulumi-resource-aws <engine address>`.
import { engineLog } from "../engine-log.ts";
import { serve } from "../serve.ts";
import { awsProvider } from "./provider.ts";

// The SDK warns on stderr about Node 20 once per process; the engine would show it as noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const args = process.argv.slice(2);
const log = engineLog(args);
await serve("aws", awsProvider((message) => log.log("", "warning", message)), args);
