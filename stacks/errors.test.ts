import { describe, expect, it } from "vitest";
import { errorLines, explainCommon } from "./errors.ts";

// The shape of a failed `pulumi up` as the Automation API reports it (progress, then diagnostics).
const failedUp = (diagnostic: string) => `code: 255
 stdout: Updating (server-web):
 +  pulumi:pulumi:Stack hoist-server-web creating (0s)
 +  hcloud:index/server:Server server creating (0s) error: ${diagnostic.split("\n")[0]}
 +  pulumi:pulumi:Stack hoist-server-web creating failed (1s) 1 error
Diagnostics:
  hcloud:index:Server (server):
    error: ${diagnostic.split("\n").join("\n    ")}

  pulumi:pulumi:Stack (hoist-server-web):
    error: update failed

 stderr: `;

describe("reading a failed operation", () => {
  it("finds the provider's error without Pulumi's decoration", () => {
    expect(errorLines(failedUp("unable to authenticate (unauthorized)"))).toEqual(["unable to authenticate (unauthorized)"]);
  });

  it("explains a failed configure step with its exit status and output, not the script", () => {
    const e = explainCommon(failedUp('Process exited with status 127: running "set -eu\\nif ! id hoist; then useradd hoist; fi":\n/bin/sh: useradd: not found'));
    expect(e).toMatchObject({ code: "configure", retryable: true });
    expect(e!.reason).toBe("Preparing the server failed (exit status 127): /bin/sh: useradd: not found");
  });

  it("explains SSH that never answered", () => {
    const e = explainCommon(failedUp("after 40 failed attempts: dial tcp 127.0.1.9:22: connect: connection refused"));
    expect(e).toMatchObject({ code: "ssh", retryable: true });
    expect(e!.reason).toContain("after 40 failed attempts: dial tcp 127.0.1.9:22: connect: connection refused");
  });
});
