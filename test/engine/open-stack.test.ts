// openStack with the real Pulumi CLI on a file backend: a stack never opened here is made with
// one `stack init` (no `stack select` that fails first), one opened before is selected, and one
// whose work folder was lost while the backend kept it is selected after its init is refused; the
// CLI runs with Go's collector set for short runs unless the operator set it.
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, expect, inject, it } from "vitest";
import { goCollector, openStack, workDirOf, type PulumiSettings } from "../../engine/workspace.ts";
import { Secret } from "../../state/secrets.ts";

let settings: PulumiSettings;
let log: string;

/** The first two words of each CLI command run since the last call ("stack init", "stack select", …). */
function commands(): string[] {
  const lines = fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
  fs.writeFileSync(log, "");
  return lines;
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(inject("runDir"), "open-stack-"));
  // The real CLI behind a script that notes each command it is asked to run.
  log = path.join(dir, "commands.log");
  fs.mkdirSync(path.join(dir, "cli", "bin"), { recursive: true });
  fs.writeFileSync(path.join(dir, "cli", "bin", "pulumi"), `#!/bin/sh\necho "$1 $2" >> '${log}'\necho "GOGC=$GOGC" >> '${log}.env'\nexec '${inject("pulumiCli")}' "$@"\n`, { mode: 0o755 });
  const cli = await PulumiCommand.get({ root: path.join(dir, "cli"), skipVersionCheck: true });
  settings = { cli, home: inject("pulumiHome"), backendUrl: `file://${dir}/backend`, passphrase: new Secret(randomBytes(16).toString("hex")), stacksDir: path.join(dir, "stacks") };
  commands();
});

it("makes a new stack with one CLI command, and selects it from then on", async () => {
  const made = await openStack(settings, "open-new");
  expect(commands()).toEqual(["stack init"]);
  expect(fs.readFileSync(path.join(workDirOf(settings, made.name), "Pulumi.open-new.yaml"), "utf8")).toContain("encryptionsalt");

  const again = await openStack(settings, "open-new");
  expect(commands()).toEqual(["stack select"]);
  expect(again.name).toBe("open-new");
  expect((await again.workspace.listStacks()).map((s) => s.name)).toEqual(["open-new"]);
});

it("selects a stack the backend holds though its work folder is gone", async () => {
  await openStack(settings, "open-lost");
  fs.rmSync(workDirOf(settings, "open-lost"), { recursive: true });
  commands();

  const found = await openStack(settings, "open-lost");
  expect(commands()).toEqual(["stack init", "stack select"]);
  expect(found.name).toBe("open-lost");
  expect((await found.workspace.listStacks()).map((s) => s.name).filter((n) => n === "open-lost")).toHaveLength(1);
});

it("runs the CLI with GOGC=400, unless the operator set GOGC", async () => {
  fs.writeFileSync(`${log}.env`, "");
  await openStack(settings, "open-gogc");
  expect(fs.readFileSync(`${log}.env`, "utf8").trim().split("\n")).toEqual(["GOGC=400"]);
  expect(goCollector({})).toEqual({ GOGC: "400" });
  expect(goCollector({ GOGC: "150" })).toEqual({});
  expect(goCollector({ GOGC: "off" })).toEqual({});
});
