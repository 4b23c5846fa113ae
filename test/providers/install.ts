// Packs the provider stand-ins (test/providers/<name>/main.ts) as Pulumi plugins and installs
// them into a PULUMI_HOME under the exact name and version the SDK packages request, with
// `pulumi plugin install resource <name> <version> --file <tar.gz>`.
//
// The engine starts every plugin for every operation, so start-up time counts: each main.ts is
// bundled by esbuild into one ESM file (about 0.2 s to serve, against 0.5 s through the tsx
// loader). @pulumi/pulumi stays outside the bundle, loaded from this repository's node_modules
// by absolute path: serve.ts requires it at run time, and two copies of its gRPC stack in one
// process would not recognise each other's messages. A stand-in esbuild cannot bundle falls back
// to the tsx loader.
//
//   npx tsx test/providers/install.ts <pulumiHome>
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import type { PulumiCommand } from "@pulumi/pulumi/automation/index.js";

const providersDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(providersDir, "../..");
const nodeModules = path.join(repoDir, "node_modules");

/** The official plugins the stacks use; a stand-in exists for each once written. */
export const STAND_IN_NAMES = ["hcloud", "digitalocean", "aws", "command"] as const;

export interface InstalledStandIn {
  name: string;
  version: string;
  /** "bundle" (esbuild, one file) or "tsx" (the fallback: TypeScript compiled at every start). */
  mode: "bundle" | "tsx";
  /** Where the engine will find it: $PULUMI_HOME/plugins/resource-<name>-v<version>. */
  pluginDir: string;
}

export class StandInInstallError extends Error {
  override name = "StandInInstallError";
}

/** The stand-ins that exist in test/providers/ (a folder with a main.ts). */
export function standInNames(): string[] {
  return STAND_IN_NAMES.filter((name) => fs.existsSync(path.join(providersDir, name, "main.ts")));
}

/** The plugin version the SDK package requests: package.json → pulumi.version, minus a leading "v". */
export function requestedVersion(name: string): string {
  const pkgFile = path.join(nodeModules, "@pulumi", name, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { version: string; pulumi?: { version?: string } };
  return (pkg.pulumi?.version ?? pkg.version).replace(/^v/, "");
}

/** Builds and installs every stand-in present into `pulumiHome`. */
export async function installStandIns(pulumiHome: string, pulumiCommand: PulumiCommand): Promise<InstalledStandIn[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-standins-"));
  try {
    const names = standInNames();
    // esbuild's service process must not outlive the build (the run's teardown would count it).
    const built = await Promise.all(names.map((name) => pack(name, path.join(work, name)))).finally(() => esbuild.stop());
    const installed: InstalledStandIn[] = [];
    for (const b of built) {
      const version = requestedVersion(b.name);
      const args = ["plugin", "install", "resource", b.name, version, "--file", b.archive, "--reinstall", "--non-interactive"];
      try {
        await promisify(execFile)(pulumiCommand.command, args, {
          cwd: work,
          env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
        });
      } catch (err) {
        const e = err as Error & { stderr?: string };
        throw new StandInInstallError(`installing the ${b.name} stand-in failed: ${e.stderr?.trim() || e.message}`);
      }
      installed.push({ name: b.name, version, mode: b.mode, pluginDir: path.join(pulumiHome, "plugins", `resource-${b.name}-v${version}`) });
    }
    return installed;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Stages `pulumi-resource-<name>` (and its bundle) in `stage` and tars it. */
async function pack(name: string, stage: string): Promise<{ name: string; archive: string; mode: "bundle" | "tsx" }> {
  fs.mkdirSync(stage, { recursive: true });
  const entry = path.join(providersDir, name, "main.ts");
  const node = shellQuote(process.execPath);
  let mode: "bundle" | "tsx" = "bundle";
  let launch: string;
  try {
    await bundle(entry, path.join(stage, "main.mjs"));
    // NODE_PATH lets serve.ts's run-time require() find @pulumi/pulumi from the plugin folder.
    launch = `NODE_PATH=${shellQuote(nodeModules)} exec ${node} "$(dirname "$0")/main.mjs" "$@"`;
  } catch (err) {
    process.stderr.write(`stand-in ${name}: esbuild could not bundle it, using the tsx loader (${(err as Error).message.split("\n")[0]})\n`);
    mode = "tsx";
    fs.rmSync(path.join(stage, "main.mjs"), { force: true });
    const loader = shellQuote(path.join(nodeModules, "tsx", "dist", "loader.mjs"));
    launch = `exec ${node} --import ${loader} ${shellQuote(entry)} "$@"`;
  }
  const script = `#!/bin/sh\n# Hoist test-bed stand-in for the ${name} plugin, built from test/providers/${name}/main.ts.\n${launch}\n`;
  fs.writeFileSync(path.join(stage, `pulumi-resource-${name}`), script, { mode: 0o755 });
  const archive = path.join(path.dirname(stage), `${name}.tgz`);
  const files = fs.readdirSync(stage);
  await promisify(execFile)("tar", ["-czf", archive, "-C", stage, ...files]);
  return { name, archive, mode };
}

async function bundle(entry: string, outfile: string): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    // Bundled CommonJS packages call require() for Node's built-ins and may read __dirname.
    banner: {
      js: [
        "import { createRequire as __hoistRequire } from 'node:module';",
        "import { fileURLToPath as __hoistPath } from 'node:url';",
        "const require = __hoistRequire(import.meta.url);",
        "const __filename = __hoistPath(import.meta.url);",
        "const __dirname = __hoistPath(new URL('.', import.meta.url));",
      ].join(" "),
    },
    plugins: [keepOutside],
  });
}

// @pulumi/pulumi (see the top comment) and native addons stay files on disk, imported by absolute path.
const keepOutside: esbuild.Plugin = {
  name: "keep-outside",
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === keepOutside || args.kind === "entry-point") return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: keepOutside });
      if (r.errors.length > 0 || r.external) return undefined;
      const outside = r.path.endsWith(".node") || r.path.startsWith(path.join(nodeModules, "@pulumi", "pulumi") + path.sep);
      return outside ? { path: r.path, external: true } : undefined;
    });
  },
};

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function cli(): Promise<void> {
  const pulumiHome = process.argv[2];
  if (!pulumiHome) {
    process.stderr.write("usage: npx tsx test/providers/install.ts <pulumiHome>\n");
    process.exit(2);
  }
  const { obtainPulumiCli } = await import("../../engine/pulumi-cli.ts");
  const pulumi = await obtainPulumiCli({ onProgress: (line) => process.stderr.write(`${line}\n`) });
  for (const s of await installStandIns(path.resolve(pulumiHome), pulumi)) {
    process.stdout.write(`${s.name} v${s.version} (${s.mode}) → ${s.pluginDir}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await cli();
