// Obtains the Pulumi CLI that matches the pinned @pulumi/pulumi SDK. PulumiCommand.install()
// first: it finds ~/.pulumi/versions/<v>/bin/pulumi or downloads the official release. Where the
// download is impossible and Go is available, the same version is built from its Go modules
// (./pulumi-cli/go.mod) into that very place, so the next install() finds it.
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { eachLine } from "./processes.ts";

const recipeDir = fileURLToPath(new URL("./pulumi-cli", import.meta.url));

/** The @pulumi/pulumi version installed, which the CLI must equal. */
export function sdkVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}

/** The CLI version the Go recipe builds (its go.mod pin). */
export function recipeVersion(): string {
  const mod = fs.readFileSync(path.join(recipeDir, "go.mod"), "utf8");
  const m = /github\.com\/pulumi\/pulumi\/pkg\/v3 v([0-9.]+)/.exec(mod);
  if (!m) throw new Error("engine/pulumi-cli/go.mod does not pin github.com/pulumi/pulumi/pkg/v3");
  return m[1]!;
}

export class PulumiCliError extends Error {
  override name = "PulumiCliError";
}

export interface ObtainOptions {
  /** Lines describing slow progress (the Go build), for a console or a log. */
  onProgress?: (line: string) => void;
  /** Where versions live; defaults to ~/.pulumi/versions as PulumiCommand.install() expects. */
  versionsDir?: string;
}

/** The Pulumi CLI for the pinned SDK version: found, downloaded, or built from Go modules. */
export async function obtainPulumiCli(opts: ObtainOptions = {}): Promise<PulumiCommand> {
  const version = sdkVersion();
  const root = path.join(opts.versionsDir ?? path.join(os.homedir(), ".pulumi", "versions"), version);
  let downloadError: unknown;
  try {
    return await PulumiCommand.install({ root });
  } catch (err) {
    downloadError = err;
  }
  if (!hasGo()) {
    throw new PulumiCliError(
      `the Pulumi CLI ${version} is not installed and could not be downloaded (${message(downloadError)}).\n` +
        `Install it with: curl -fsSL https://get.pulumi.com | sh -s -- --version ${version} --install-root ${root}\n` +
        `or install Go (https://go.dev/dl/) so Hoist can build it from source.`,
    );
  }
  if (recipeVersion() !== version) {
    throw new PulumiCliError(`engine/pulumi-cli/go.mod pins Pulumi ${recipeVersion()} but @pulumi/pulumi is ${version}; keep them equal`);
  }
  await buildFromGo(root, version, opts.onProgress ?? ((line) => process.stderr.write(`${line}\n`)));
  return await PulumiCommand.install({ root });
}

function hasGo(): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0]! : String(err);
}

/** Builds the CLI under an exclusive lock (flock), so concurrent starts build it once. */
async function buildFromGo(root: string, version: string, onProgress: (line: string) => void): Promise<void> {
  const bin = path.join(root, "bin", "pulumi");
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-pulumi-build-"));
  try {
    for (const f of ["go.mod", "go.sum", "tools.go"]) fs.copyFileSync(path.join(recipeDir, f), path.join(work, f));
    onProgress(`pulumi: building the Pulumi CLI v${version} from Go modules (first time only, about 7 minutes on 2 cores)…`);
    const script = [
      // Another process may have finished the build while this one waited for the lock.
      `if [ -x "$BIN" ] && [ "$("$BIN" version 2>/dev/null)" = "v$VERSION" ]; then exit 0; fi`,
      `go build -v -trimpath -o "$BIN.tmp" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi`,
      `mv "$BIN.tmp" "$BIN"`,
    ].join("\n");
    const child = spawn("flock", [path.join(root, ".build.lock"), "sh", "-ec", script], {
      cwd: work,
      env: { ...process.env, BIN: bin, VERSION: version, GOFLAGS: "-mod=mod", CGO_ENABLED: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let packages = 0;
    let downloads = 0;
    let tail = "";
    const started = Date.now();
    const onLine = (line: string) => {
      tail = (tail + line + "\n").slice(-2000);
      if (line.startsWith("go: downloading")) downloads++;
      else if (/^[\w.-]+(\/[\w.@-]+)+$/.test(line)) packages++;
      else return;
      if ((downloads + packages) % 100 === 0) {
        onProgress(`pulumi: ${downloads} modules downloaded, ${packages} packages compiled (${Math.round((Date.now() - started) / 1000)} s)`);
      }
    };
    eachLine([child.stdout!, child.stderr!], onLine);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new PulumiCliError(`building the Pulumi CLI failed (exit ${code}):\n${tail}`);
    onProgress(`pulumi: CLI v${version} ready at ${bin} (${Math.round((Date.now() - started) / 1000)} s)`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
