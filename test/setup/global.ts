// vitest globalSetup for the integration and slow projects: the Pulumi CLI, the system packages
// the test bed runs on, and one run folder holding an isolated PULUMI_HOME with the provider
// stand-ins installed (tests never touch ~/.pulumi/plugins). Teardown removes the run folder and
// then fails the run, loudly, if any process it started is still alive (after killing it).
//
// Tests read what is provided with `inject("pulumiHome")` etc. (see ProvidedContext below).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { obtainPulumiCli } from "../../engine/pulumi-cli.ts";
import { installStandIns } from "../providers/install.ts";
import { findLeftovers, killAll, RUN_ENV } from "./leftovers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's isolated PULUMI_HOME, stand-in plugins installed. */
    pulumiHome: string;
    /** Absolute path of the pinned Pulumi CLI binary. */
    pulumiCli: string;
    /** The run's folder (removed at teardown): per-test stacks and scratch files go below it. */
    runDir: string;
    /** The mark ($HOIST_TESTBED_RUN) every process of this run carries. */
    runId: string;
  }
}

/** What the test bed needs from the system, and where it comes from. */
const REQUIREMENTS: { what: string; found: () => boolean; install: string }[] = [
  { what: "sshd", found: () => isExecutable("/usr/sbin/sshd"), install: "apt-get install openssh-server" },
  { what: "ssh-keygen", found: () => onPath("ssh-keygen"), install: "apt-get install openssh-client" },
  { what: "busybox (static)", found: () => isExecutable("/bin/busybox"), install: "apt-get install busybox-static" },
  { what: "gcc and a static libc (the servers' sudo)", found: staticLibc, install: "apt-get install gcc libc6-dev" },
  { what: "dockerd and Debian's docker CLI", found: () => isExecutable("/usr/sbin/dockerd") && isExecutable("/usr/bin/docker"), install: "apt-get install docker.io" },
  { what: "chromium", found: () => onPath("chromium"), install: "apt-get install chromium" },
  { what: "haproxy (the gateway)", found: () => isExecutable("/usr/sbin/haproxy"), install: "apt-get install haproxy" },
  { what: "openssl (the gateway's CA)", found: () => onPath("openssl"), install: "apt-get install openssl" },
  { what: "moto_server", found: () => onPath("moto_server"), install: "pip install 'moto[server]'" },
  { what: "tar", found: () => onPath("tar"), install: "apt-get install tar" },
];

export class TestBedSetupError extends Error {
  override name = "TestBedSetupError";
}

export class LeftoverProcessesError extends Error {
  override name = "LeftoverProcessesError";
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = REQUIREMENTS.filter((r) => !r.found());
  if (missing.length > 0) {
    throw new TestBedSetupError(
      "the test bed needs packages that are not installed:\n" + missing.map((m) => `  - ${m.what}: ${m.install}`).join("\n"),
    );
  }
  const started = Date.now();
  const pulumi = await obtainPulumiCli({ onProgress: (line) => console.log(line) });
  // One mark per vitest process, set before any worker forks so that everything inherits it.
  process.env[RUN_ENV] ??= `run-${process.pid}-${randomBytes(4).toString("hex")}`;
  const runId = process.env[RUN_ENV]!;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `hoist-test-${project.name || "run"}-`));
  const pulumiHome = path.join(runDir, "pulumi-home");
  fs.mkdirSync(pulumiHome);
  try {
    const installed = await installStandIns(pulumiHome, pulumi);
    console.log(
      `test bed: Pulumi ${pulumi.version}, stand-ins ${installed.map((s) => `${s.name} v${s.version}`).join(", ") || "(none)"} ` +
        `in ${runDir} (${Date.now() - started} ms)`,
    );
  } catch (err) {
    fs.rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
  project.provide("pulumiHome", pulumiHome);
  project.provide("pulumiCli", pulumi.command);
  project.provide("runDir", runDir);
  project.provide("runId", runId);

  return async function teardown() {
    fs.rmSync(runDir, { recursive: true, force: true });
    const left = findLeftovers({ runId, pulumiHome, runDir });
    if (left.length === 0) return;
    killAll(left.map((p) => p.pid));
    // A teardown error alone is only logged by vitest; the exit code makes it a failed run.
    process.exitCode = 1;
    throw new LeftoverProcessesError(
      `the test run left ${left.length} process(es) running (now killed); every test must stop what it starts:\n` +
        left.map((p) => `  - ${p.kind} (pid ${p.pid}): ${p.cmdline.slice(0, 300)}`).join("\n"),
    );
  };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** gcc prints a bare "libc.a" when it has no static libc to link against. */
function staticLibc(): boolean {
  try {
    return path.isAbsolute(execFileSync("gcc", ["-print-file-name=libc.a"], { encoding: "utf8" }).trim());
  } catch {
    return false;
  }
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && isExecutable(path.join(dir, bin)));
}
