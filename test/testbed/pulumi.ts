// A Pulumi stack for an end-to-end test, run by the real engine with the test run's stand-in
// plugins. Each call gets its own file backend and work folder under the run folder, so tests
// run in parallel without sharing state.
//
//   const { stack, cleanup } = await testStack({
//     program: async () => { const s = new hcloud.Server("web", {...}); return { ip: s.ipv4Address }; },
//     config: { "hcloud:endpoint": emulator.url + "/v1", "hcloud:token": { value: token, secret: true } },
//   });
//   try { const up = await stack.up(); ... await stack.destroy(); } finally { await cleanup(); }
//
// Only usable inside vitest's integration/slow projects: it reads the run's PULUMI_HOME and CLI
// from test/setup/global.ts (inject). The engine never downloads a plugin here, and a
// `pulumi-resource-*` on PATH is ignored, so a missing stand-in fails instead of hanging.
import fs from "node:fs";
import path from "node:path";
import { LocalWorkspace, PulumiCommand, type ConfigMap, type PulumiFn, type Stack } from "@pulumi/pulumi/automation/index.js";
import { inject } from "vitest";

export type ConfigValue = string | { value: string; secret?: boolean };

export interface TestStackOptions {
  /** The inline program. */
  program: PulumiFn;
  /** Stack config, keys with their namespace (`hcloud:token`); `{ value, secret: true }` for secrets. */
  config?: Record<string, ConfigValue>;
  /** Defaults to "test". */
  stackName?: string;
  /** Defaults to "hoist-test". */
  projectName?: string;
  /** Extra environment for the CLI and its plugins (e.g. DIGITALOCEAN_API_URL). */
  env?: Record<string, string>;
}

export interface TestStack {
  stack: Stack;
  /** The workspace folder (Pulumi.yaml, Pulumi.<stack>.yaml). */
  workDir: string;
  /** The file backend's folder (state in .pulumi/stacks/<project>/<stack>.json). */
  backendDir: string;
  /** Removes both folders. Call it in `finally` / afterEach, after destroying what the test made. */
  cleanup(): Promise<void>;
}

/** The passphrase of every test stack's secrets. */
export const TEST_PASSPHRASE = "hoist-test-passphrase";

let cli: Promise<PulumiCommand> | undefined;

export async function testStack(opts: TestStackOptions): Promise<TestStack> {
  const pulumiHome = inject("pulumiHome");
  const pulumiCli = inject("pulumiCli");
  cli ??= PulumiCommand.get({ root: path.dirname(path.dirname(pulumiCli)), skipVersionCheck: true });
  const stackName = opts.stackName ?? "test";
  const projectName = opts.projectName ?? "hoist-test";
  const base = fs.mkdtempSync(path.join(inject("runDir"), `stack-${stackName}-`));
  const workDir = path.join(base, "work");
  const backendDir = path.join(base, "backend");
  fs.mkdirSync(workDir);
  fs.mkdirSync(backendDir);
  const cleanup = async () => fs.rmSync(base, { recursive: true, force: true });
  try {
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName, projectName, program: opts.program },
      {
        workDir,
        pulumiHome,
        pulumiCommand: await cli,
        projectSettings: { name: projectName, runtime: "nodejs", backend: { url: `file://${backendDir}` } },
        envVars: {
          PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
          PULUMI_BACKEND_URL: `file://${backendDir}`,
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
          PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
          ...opts.env,
        },
      },
    );
    const config: ConfigMap = {};
    for (const [key, v] of Object.entries(opts.config ?? {})) {
      config[key] = typeof v === "string" ? { value: v } : { value: v.value, secret: v.secret ?? false };
    }
    if (Object.keys(config).length > 0) await stack.setAllConfig(config);
    return { stack, workDir, backendDir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}


/** The error text of a failed Automation API operation (the CLI's output is in the message). */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return String((err as Error).message);
  }
  throw new Error("the operation succeeded, but it was expected to fail");
}
