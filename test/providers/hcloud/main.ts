// Entry point of the `pulumi-resource-hcloud` stand-in plugin (test bed only; production uses the
// official plugin the engine installs).
import { serve } from "../serve.ts";
import { HcloudStandIn } from "./provider.ts";

await serve("hcloud", new HcloudStandIn());
