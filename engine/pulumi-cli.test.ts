import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { recipeVersion, sdkVersion } from "./pulumi-cli.ts";

describe("Pulumi CLI pin", () => {
  it("builds exactly the version of the pinned @pulumi/pulumi", () => {
    const pkg = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.dependencies["@pulumi/pulumi"]).toBe(sdkVersion());
    expect(recipeVersion()).toBe(sdkVersion());
  });
});
