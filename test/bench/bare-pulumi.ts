// Figure 1's baseline: the server program of stacks/entry.ts with the inputs Hoist would give
// it, run straight through the Automation API — a work folder, a stack, its config, `up` — as
// anyone driving Pulumi by hand would. Nothing of Hoist runs: no queue, no database, no events
// stored, no node registered or checked over SSH. Only the inputs are built with the stacks'
// own functions (serverConfig, the adapter's providerConfig) and a key pair as Hoist makes it,
// before the clock starts.
import { LocalWorkspace, type EngineEvent, type PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { newServerKeyPair } from "../../server/actions/server-keys.ts";
import { findCloud } from "../../stacks/clouds.ts";
import { DEFAULT_FIREWALL_PORTS } from "../../stacks/server.ts";
import { program, PROJECT, serverConfig, type ConfigValue } from "../../stacks/entry.ts";
import { Secret } from "../../state/secrets.ts";
import type { EmulatedCloud } from "../support/clouds.ts";

export interface BarePulumi {
  cli: PulumiCommand;
  home: string;
  /** Work folders and the file backend go below it. */
  dir: string;
  passphrase: string;
}

/** The config of a server named `name` on `cloud`, as Hoist writes it into its stack. */
export function serverInputs(cloud: EmulatedCloud, name: string): Record<string, ConfigValue> {
  const keys = newServerKeyPair(`bare-${name}`);
  const spec = {
    cloud: cloud.id,
    name,
    ...cloud.server,
    nodeId: randomUUID(),
    operatorKeys: [],
    firewallPorts: [...DEFAULT_FIREWALL_PORTS],
    priceMonthly: undefined,
    sshPublicKey: keys.publicKey,
    sshPrivateKey: keys.privateKey,
  };
  const support = findCloud(cloud.id)!.servers!;
  const credential = { secret: new Secret(cloud.credential), settings: {}, endpoint: cloud.url };
  return { ...serverConfig(spec), ...support.providerConfig(credential, spec) };
}

export interface BareTimes {
  /** From the first call to the up's outputs: the whole of what is compared with Hoist. */
  total: number;
  /** createOrSelectStack: the work folder and `pulumi stack select --create`. */
  select: number;
  /** setAllConfig. */
  config: number;
  /** From the up's call to its first resource step (the CLI, the program and plugins starting). */
  upStart: number;
  /** From the first resource step to the run's summary. */
  resources: number;
  /** From the summary to the up's outputs. */
  tail: number;
}

/** Creates the server through bare Pulumi; resolves when `up` has its outputs. */
export async function bareUp(b: BarePulumi, stackName: string, inputs: Record<string, ConfigValue>): Promise<BareTimes> {
  const workDir = path.join(b.dir, "stacks", stackName);
  const backend = path.join(b.dir, "backend");
  const t0 = performance.now();
  fs.mkdirSync(workDir, { recursive: true });
  fs.mkdirSync(backend, { recursive: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: PROJECT, stackName, program },
    {
      workDir,
      pulumiCommand: b.cli,
      pulumiHome: b.home,
      secretsProvider: "passphrase",
      envVars: {
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_CONFIG_PASSPHRASE: b.passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      },
      projectSettings: { name: PROJECT, runtime: "nodejs" },
    },
  );
  const t1 = performance.now();
  await stack.setAllConfig(inputs);
  const t2 = performance.now();
  // Watching progress, as any driver does; the callback only notes when the steps came.
  let first = 0;
  let summary = 0;
  const onEvent = (e: EngineEvent) => {
    const m = e.resourcePreEvent?.metadata;
    if (m && !e.resourcePreEvent!.planning && m.type !== "pulumi:pulumi:Stack" && m.op !== "same") first ||= performance.now();
    if (e.summaryEvent) summary = performance.now();
  };
  const res = await stack.up({ onEvent, color: "never" });
  const t3 = performance.now();
  if (!res.outputs.ipv4?.value) throw new Error(`bare up of ${stackName} reported no address`);
  first ||= t2;
  summary ||= t3;
  return { total: t3 - t0, select: t1 - t0, config: t2 - t1, upStart: first - t2, resources: summary - first, tail: t3 - summary };
}

/** How long one `pulumi stack export` of that stack takes (the engine runs three before an up). */
export async function exportTime(b: BarePulumi, stackName: string): Promise<number> {
  const stack = await LocalWorkspace.selectStack(
    { projectName: PROJECT, stackName, program },
    { workDir: path.join(b.dir, "stacks", stackName), pulumiCommand: b.cli, pulumiHome: b.home, envVars: { PULUMI_BACKEND_URL: `file://${path.join(b.dir, "backend")}`, PULUMI_CONFIG_PASSPHRASE: b.passphrase, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true" } },
  );
  const t0 = performance.now();
  await stack.exportStack();
  return performance.now() - t0;
}
