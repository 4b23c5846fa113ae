// setStackConfig with the real Pulumi CLI on a file backend: the same config written twice starts
// the CLI once, also in a restarted console (a new instance of the module); other config, a
// settings file changed by someone else, or another passphrase is written again; the secret never
// appears in plaintext in the settings file or in the record beside it.
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, expect, inject, it, vi } from "vitest";
import { CONFIG_RECORD, openStack, setStackConfig, workDirOf, type PulumiSettings } from "../../engine/workspace.ts";
import { Secret } from "../../state/secrets.ts";

let settings: PulumiSettings;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(inject("runDir"), "stack-config-"));
  const cli = await PulumiCommand.get({ root: path.dirname(path.dirname(inject("pulumiCli"))), skipVersionCheck: true });
  settings = { cli, home: inject("pulumiHome"), backendUrl: `file://${dir}/backend`, passphrase: new Secret(randomBytes(16).toString("hex")), stacksDir: path.join(dir, "stacks") };
});

it("writes a stack's config only when it or its settings file changed", async () => {
  const stack = await openStack(settings, "server-config-check");
  const file = path.join(workDirOf(settings, stack.name), `Pulumi.${stack.name}.yaml`);
  let writes = 0;
  const setAll = stack.setAllConfig.bind(stack);
  stack.setAllConfig = (...args) => (writes++, setAll(...args));
  const token = `token-${randomBytes(8).toString("hex")}`;
  const config = { "hoist:name": { value: "web-1" }, "hoist:token": { value: token, secret: true } };

  await setStackConfig(settings, stack, config);
  expect(writes).toBe(1);
  expect((await stack.getAllConfig())["hoist:name"]?.value).toBe("web-1");
  // The same again (keys in another order): nothing to write.
  await setStackConfig(settings, stack, { "hoist:token": config["hoist:token"], "hoist:name": config["hoist:name"] });
  expect(writes).toBe(1);

  // A restarted console (nothing of this module's held in memory) finds it written too.
  vi.resetModules();
  const restarted = await import("../../engine/workspace.ts");
  expect(restarted.setStackConfig).not.toBe(setStackConfig);
  await restarted.setStackConfig(settings, stack, config);
  expect(writes).toBe(1);
  // …but not under another passphrase.
  const other = { ...settings, passphrase: new Secret(randomBytes(16).toString("hex")) };
  await restarted.setStackConfig(other, stack, config);
  expect(writes).toBe(2);
  await setStackConfig(settings, stack, config);
  expect(writes).toBe(3);

  // Another value is written.
  await setStackConfig(settings, stack, { ...config, "hoist:name": { value: "web-2" } });
  expect(writes).toBe(4);
  expect((await stack.getAllConfig())["hoist:name"]?.value).toBe("web-2");

  // Someone else changes the file (a shell's `pulumi config set`): Hoist's config is written again.
  await stack.setConfig("hoist:name", { value: "by-hand" });
  await setStackConfig(settings, stack, { ...config, "hoist:name": { value: "web-2" } });
  expect(writes).toBe(5);
  expect((await stack.getAllConfig())["hoist:name"]?.value).toBe("web-2");

  // A file removed is written again too.
  fs.rmSync(file);
  await setStackConfig(settings, stack, { ...config, "hoist:name": { value: "web-2" } });
  expect(writes).toBe(6);
  expect(fs.readFileSync(file, "utf8")).not.toContain(token);
  expect(fs.readFileSync(path.join(workDirOf(settings, stack.name), CONFIG_RECORD), "utf8")).not.toContain(token);
  expect((await stack.getAllConfig())["hoist:token"]?.value).toBe(token);
});
