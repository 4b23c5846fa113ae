// The stand-ins are installed under exactly the plugin versions the SDK packages request, so
// the engine finds them without downloading anything, and each one starts as a plugin.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { expect, inject, it } from "vitest";
import { installStandIns } from "../providers/install.ts";

const repo = path.resolve(import.meta.dirname, "../..");

/** name → the version in node_modules/@pulumi/<name>/package.json (pulumi.version, else version, no "v"). */
function sdkVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(repo, "test/providers"))) {
    if (!fs.existsSync(path.join(repo, "test/providers", name, "main.ts"))) continue;
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, "node_modules/@pulumi", name, "package.json"), "utf8"));
    out[name] = String(pkg.pulumi?.version ?? pkg.version).replace(/^v/, "");
  }
  return out;
}

it("installs every stand-in under the version its SDK requests", async () => {
  const home = fs.mkdtempSync(path.join(inject("runDir"), "install-test-"));
  const pulumi = await PulumiCommand.get({ root: path.dirname(path.dirname(inject("pulumiCli"))), skipVersionCheck: true });
  const installed = await installStandIns(home, pulumi);

  const expected = sdkVersions();
  expect(expected.command, "@pulumi/command is pinned to 1.2.1, never the stray 4.5.0").toBe("1.2.1");
  expect(Object.fromEntries(installed.map((s) => [s.name, s.version]))).toEqual(expected);
  expect(installed.find((s) => s.name === "command")?.mode).toBe("bundle");

  const { stdout } = await promisify(execFile)(inject("pulumiCli"), ["plugin", "ls", "--json"], {
    env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  const listed = (JSON.parse(stdout) as { name: string; kind: string; version: string }[]).map((p) => [p.name, `${p.kind} ${p.version}`]);
  expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(Object.entries(expected).map(([n, v]) => [n, `resource ${v}`])));
  fs.rmSync(home, { recursive: true, force: true });
});

it("an installed stand-in starts and announces its gRPC port", async () => {
  const bin = path.join(inject("pulumiHome"), "plugins", "resource-command-v1.2.1", "pulumi-resource-command");
  const child = spawn(bin, [], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const firstLine = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.once("exit", (code) => reject(new Error(`plugin exited (${code}) before serving`)));
    });
    expect(firstLine).toMatch(/^\d+$/);
  } finally {
    child.kill("SIGKILL");
  }
});
