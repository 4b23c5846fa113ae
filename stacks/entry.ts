// The program behind every Hoist stack, chosen by the stack's own config (`hoist:kind`). Pulumi.yaml
// names this file as `main`, and the console runs the same `program` inline, so a shell and the
// console run the very same program with the very same inputs.
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import type { ServerSpec } from "./cloud.ts";
import { appProgram, type AppSpec, type NodeConnection } from "./app.ts";
import { findCloud } from "./clouds.ts";
import { DEFAULT_FIREWALL_PORTS } from "./server.ts";

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
    "hoist:firewallPorts": plain(JSON.stringify(spec.firewallPorts)),
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
    firewallPorts: config.getObject<number[]>("firewallPorts") ?? DEFAULT_FIREWALL_PORTS,
    priceMonthly: config.get("priceMonthly"),
    sshPublicKey: config.require("sshPublicKey"),
    sshPrivateKey: config.requireSecret("sshPrivateKey"),
  };
}

/** An app deployment as stack config: what runs and where, the node's key and the secret environment as secrets. */
export function appConfig(spec: AppSpec, node: Omit<NodeConnection, "privateKey">, privateKey: string, secretEnv: Record<string, string>): Record<string, ConfigValue> {
  return {
    "hoist:kind": { value: "app", secret: false },
    "hoist:app": { value: JSON.stringify(spec), secret: false },
    "hoist:node": { value: JSON.stringify(node), secret: false },
    "hoist:nodePrivateKey": { value: privateKey, secret: true },
    "hoist:secretEnv": { value: JSON.stringify(secretEnv), secret: true },
  };
}

/** The program of each kind of stack, by `hoist:kind`. */
const programs: Record<string, (config: pulumi.Config) => PulumiFn> = {
  server(config) {
    const spec = serverSpecFromConfig(config);
    const servers = findCloud(spec.cloud)?.servers;
    if (!servers) throw new Error(`hoist:cloud ${JSON.stringify(spec.cloud)} cannot create servers`);
    return servers.program(spec);
  },
  app(config) {
    const node = { ...config.requireObject<Omit<NodeConnection, "privateKey">>("node"), privateKey: config.requireSecret("nodePrivateKey") };
    return appProgram(config.requireObject<AppSpec>("app"), node, config.requireSecretObject<Record<string, string>>("secretEnv"));
  },
};

export const program: PulumiFn = async () => {
  const config = new pulumi.Config("hoist");
  const kind = config.require("kind");
  const make = programs[kind];
  if (!make) throw new Error(`hoist:kind ${JSON.stringify(kind)} has no program`);
  return make(config)();
};

export default program;
