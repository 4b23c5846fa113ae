// The `command` plugin stand-in (pulumi-command v1.2.1's remote.Command over real SSH), started
// by the engine as `pulumi-resource-command <engine address>`.
import { serve } from "../serve.ts";
import { engineLog } from "../engine-log.ts";
import { commandProvider } from "./provider.ts";

const args = process.argv.slice(2);
await serve("command", commandProvider(engineLog(args)), args);
