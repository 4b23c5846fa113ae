// The program behind every Hoist stack, chosen by the stack's own config. Pulumi.yaml names this
// file as `main`, and the console runs the same `program` inline, so a shell and the console run
// the very same program with the very same inputs.
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import type { ServerSpec } from "./cloud.ts";
import { findCloud } from "./clouds.ts";

export const PROJECT = "hoist";

export interface ConfigValue {
  value: string;
  secret: boolean;
}

/** A server's spec as stack config (`hoist:*`), the SSH private key as a secret. */
export function serverConfig(spec: ServerSpec & { sshPrivateKey: string }): Record<string, ConfigValue> {
  const plain = (value: string | undefined) => ({ value: value ?? "", secret: false });
  return {
    "hoist:kind": plain("server"),
    "hoist:cloud": plain(spec.cloud),
    "hoist:name": plain(spec.name),
    "hoist:region": plain(spec.region),
    "hoist:size": plain(spec.size),
    "hoist:image": plain(spec.image),
    "hoist:nodeId": plain(spec.nodeId),
    "hoist:priceMonthly": plain(spec.priceMonthly),
    "hoist:sshPublicKey": plain(spec.sshPublicKey),
    "hoist:operatorKeys": plain(JSON.stringify(spec.operatorKeys)),
    "hoist:sshPrivateKey": { value: spec.sshPrivateKey, secret: true },
  };
}

/** The spec back from stack config, inside a running program. */
export function serverSpecFromConfig(config = new pulumi.Config("hoist")): ServerSpec {
  return {
    cloud: config.require("cloud"),
    name: config.require("name"),
    region: config.require("region"),
    size: config.require("size"),
    image: config.require("image"),
    nodeId: config.require("nodeId"),
    operatorKeys: config.getObject<string[]>("operatorKeys") ?? [],
    priceMonthly: config.get("priceMonthly"),
    sshPublicKey: config.require("sshPublicKey"),
    sshPrivateKey: config.requireSecret("sshPrivateKey"),
  };
}

export const program: PulumiFn = async () => {
  const config = new pulumi.Config("hoist");
  const kind = config.require("kind");
  if (kind !== "server") throw new Error(`hoist:kind ${JSON.stringify(kind)} has no program`);
  const spec = serverSpecFromConfig(config);
  const servers = findCloud(spec.cloud)?.servers;
  if (!servers) throw new Error(`hoist:cloud ${JSON.stringify(spec.cloud)} cannot create servers`);
  return servers.program(spec)();
};

export default program;
