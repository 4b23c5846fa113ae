// Pulumi settings shared by every operation, and one persistent work folder per stack (its
// Pulumi.<stack>.yaml holds the passphrase salt: losing it loses the stack's secrets).
import { LocalWorkspace, StackAlreadyExistsError, type ConfigMap, type LocalWorkspaceOptions, type PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Secret } from "../state/secrets.ts";
import { program, PROJECT } from "../stacks/entry.ts";

export interface PulumiSettings {
  cli: PulumiCommand;
  /** PULUMI_HOME: plugins and workspace caches, apart from ~/.pulumi. */
  home: string;
  /** `file://…`, `s3://…` or Pulumi Cloud. */
  backendUrl: string;
  /** The passphrase of the stacks' secrets provider (state/stack-passphrase.ts: rotation leaves it unchanged). */
  passphrase: Secret;
  /** Where each stack's work folder lives. */
  stacksDir: string;
}

/** The environment variable that marks the processes working for a stack. */
export const STACK_MARK = "HOIST_STACK_DIR";

const entryFile = fileURLToPath(new URL("../stacks/entry.ts", import.meta.url));

export function workDirOf(settings: PulumiSettings, stack: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,99}$/.test(stack)) throw new Error(`bad stack name ${JSON.stringify(stack)}`);
  return path.join(settings.stacksDir, stack);
}

/** Whether the stack was ever created (its work folder exists from its first operation on). */
export const stackExists = (settings: PulumiSettings, name: string) => fs.existsSync(workDirOf(settings, name));

function envVars(settings: PulumiSettings, workDir: string): Record<string, string> {
  return {
    // Inherited by the CLI and every plugin it starts: how a restarted Hoist finds what a crash left running.
    [STACK_MARK]: workDir,
    PULUMI_BACKEND_URL: settings.backendUrl,
    PULUMI_CONFIG_PASSPHRASE: settings.passphrase.reveal(),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    ...goCollector(),
  };
}

/**
 * Go's garbage collector for the CLI and the Go plugins it starts: GOGC=400 instead of 100. A
 * first create starts the CLI six times, most of each start spent initialising and opening the
 * stack's secrets; collecting a fifth as often saves about 0.05 s of CPU a start on 2 cores, for
 * some 5 MB more memory a process (README "Performance"). An operator's own GOGC is kept.
 */
export function goCollector(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.GOGC === undefined ? { GOGC: "400" } : {};
}

/**
 * The stack, created on first use, with its work folder and the Hoist program inline. A stack
 * without a work folder was never opened here, so it is made with `stack init` at once rather
 * than after a `stack select` that fails (one CLI start fewer on every first operation); one
 * that exists all the same (its folder lost, or made by another console on the same backend) is
 * selected.
 */
export async function openStack(settings: PulumiSettings, stack: string): Promise<Stack> {
  const fresh = !stackExists(settings, stack);
  const args = { projectName: PROJECT, stackName: stack, program };
  const opts = workspaceOptions(settings, stack);
  if (!fresh) return LocalWorkspace.createOrSelectStack(args, opts);
  try {
    return await LocalWorkspace.createStack(args, opts);
  } catch (err) {
    if (err instanceof StackAlreadyExistsError) return LocalWorkspace.selectStack(args, opts);
    throw err;
  }
}

/** The stack if it exists (StackNotFoundError otherwise), never creating it. */
export async function selectStack(settings: PulumiSettings, stack: string): Promise<Stack> {
  return LocalWorkspace.selectStack({ projectName: PROJECT, stackName: stack, program }, workspaceOptions(settings, stack));
}

function workspaceOptions(settings: PulumiSettings, stack: string) {
  const workDir = workDirOf(settings, stack);
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  if (settings.backendUrl.startsWith("file://")) fs.mkdirSync(settings.backendUrl.slice("file://".length), { recursive: true, mode: 0o700 });
  fs.mkdirSync(settings.home, { recursive: true, mode: 0o700 });
  return {
    workDir,
    pulumiCommand: settings.cli,
    pulumiHome: settings.home,
    envVars: envVars(settings, workDir),
    secretsProvider: "passphrase",
    // The same project a shell sees in this folder: `pulumi preview` there runs stacks/entry.ts
    // (from stacks/, where `--import tsx` resolves) on the same backend; the passphrase comes
    // from the environment (`hoist env`, README "The hoist CLI").
    projectSettings: {
      name: PROJECT,
      runtime: { name: "nodejs", options: { typescript: false, nodeargs: "--import tsx" } },
      main: path.relative(workDir, entryFile),
      description: "A Hoist stack",
      backend: { url: settings.backendUrl },
    },
  } satisfies LocalWorkspaceOptions;
}

// Writing a stack's config starts the CLI (a second or more on a loaded machine) before every
// operation, though the inputs rarely change between two (a drift sweep checks each stack with
// the config its last operation wrote). What Hoist last wrote to each settings file is recorded
// beside it (CONFIG_RECORD in the work folder) as a digest, with the file's identity after the
// write; while both still match, the write is skipped, in this process or after a restart.
// Anything else that writes the file (a change previewed with other inputs, a shell's `hoist` or
// `pulumi config`) changes its identity, and the next write happens. The digest is an HMAC under
// a key derived from the stacks' passphrase: it tells nothing of the secrets it covers, and
// another passphrase writes the config again.
export const CONFIG_RECORD = ".hoist-config";

function configDigest(settings: PulumiSettings, config: ConfigMap): string {
  const entries = Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = createHmac("sha256", settings.passphrase.reveal()).update("hoist: stack config digest").digest();
  return createHmac("sha256", key).update(JSON.stringify([settings.backendUrl, entries])).digest("base64");
}

function fileIdentity(file: string): string {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return "";
  }
}

function readRecord(file: string): { digest?: unknown; file?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Writes the stack's config, unless Hoist wrote the very same into its unchanged settings file. */
export async function setStackConfig(settings: PulumiSettings, stack: Stack, config: ConfigMap): Promise<void> {
  const workDir = workDirOf(settings, stack.name);
  const file = path.join(workDir, `Pulumi.${stack.name}.yaml`);
  const recordFile = path.join(workDir, CONFIG_RECORD);
  const digest = configDigest(settings, config);
  const last = readRecord(recordFile);
  const identity = fileIdentity(file);
  if (last?.digest === digest && last.file === identity && identity !== "") return;
  // Gone before the write: a write that fails half-way leaves no record that would skip the next.
  fs.rmSync(recordFile, { force: true });
  await stack.setAllConfig(config);
  fs.writeFileSync(recordFile, JSON.stringify({ digest, file: fileIdentity(file) }), { mode: 0o600 });
}

/** Removes the stack from the backend and deletes its work folder. */
export async function removeStack(settings: PulumiSettings, stack: Stack): Promise<void> {
  await stack.workspace.removeStack(stack.name, { force: true });
  fs.rmSync(workDirOf(settings, stack.name), { recursive: true, force: true });
}
