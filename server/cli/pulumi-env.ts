// `hoist env <stack>`: the shell settings under which the official `pulumi` CLI works on a Hoist
// stack in its work folder — the same backend, PULUMI_HOME (plugins) and secrets passphrase as
// the console, and that stack selected. The passphrase itself is never printed: it is written
// once to a file of mode 0600 in the data folder (as private as the master key beside it, which
// opens it anyway), and the settings point at that file.
import fs from "node:fs";
import path from "node:path";
import { stackExists, workDirOf } from "../../engine/workspace.ts";
import { quote } from "../../stacks/shell.ts";
import { Refused, findTarget, type CliDeps } from "./session.ts";

export const PASSPHRASE_FILE = "pulumi-passphrase";

/** Writes the passphrase file when it is missing or holds another value; returns its path. */
function passphraseFile(dataDir: string, passphrase: string): string {
  const file = path.resolve(dataDir, PASSPHRASE_FILE);
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  if (current !== passphrase) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, passphrase, { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  fs.chmodSync(file, 0o600);
  return file;
}

/** The variables the official CLI needs, by name (no secret among them). */
export async function pulumiEnv(deps: CliDeps, stack: string): Promise<{ workDir: string; vars: Record<string, string> }> {
  const { subject } = findTarget(deps, stack);
  const settings = await deps.engine.pulumi();
  if (!stackExists(settings, subject.stack)) throw new Refused(`${subject.stack} has no work folder yet: its first operation makes it`);
  const vars = {
    PULUMI_HOME: path.resolve(settings.home),
    PULUMI_BACKEND_URL: settings.backendUrl,
    PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile(deps.config.dataDir, settings.passphrase.reveal()),
    PULUMI_STACK: subject.stack,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
  return { workDir: path.resolve(workDirOf(settings, subject.stack)), vars };
}

/** The lines `eval "$(hoist env <stack>)"` runs: the exports, then a cd into the work folder. */
export async function envCommand(deps: CliDeps, stack: string): Promise<string> {
  const { workDir, vars } = await pulumiEnv(deps, stack);
  return [
    `# The official Pulumi CLI on ${stack}, with Hoist's program and this stack's config:`,
    `#   eval "$(npx hoist env ${stack})" && pulumi preview`,
    ...Object.entries(vars).map(([k, v]) => `export ${k}=${quote(v)}`),
    `cd ${quote(workDir)}`,
  ].join("\n");
}
