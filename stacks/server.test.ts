import { describe, expect, it } from "vitest";
import { configureScript, parseConfigureOutput, sshFingerprint } from "./server.ts";

describe("the configure step", () => {
  it("refuses a node id that is not a UUID, since it goes into a shell script", () => {
    expect(() => configureScript("x'; rm -rf / #")).toThrow(/must be a UUID/);
    expect(configureScript("0b0f5d36-8d0a-4d5c-9c0e-3f8e1a6a2b11")).toContain("printf '%s\\n' '0b0f5d36-8d0a-4d5c-9c0e-3f8e1a6a2b11' > /etc/hoist/node-id");
  });

  it("reads facts, host key and node id from its output", () => {
    const p = parseConfigureOutput("os=Debian GNU/Linux 12 (bookworm)\ncpus=4\nmemory_kb=8388608\ndisk_kb=83886080\narch=aarch64\nhostkey=ssh-ed25519 AAAA x\nnode=abc\n");
    expect(p.facts).toEqual({ os: "Debian GNU/Linux 12 (bookworm)", cpus: 4, memoryMb: 8192, diskGb: 80, arch: "aarch64" });
    expect(p.hostKey).toBe("ssh-ed25519 AAAA x");
    expect(p.nodeId).toBe("abc");
    expect(parseConfigureOutput("").facts).toEqual({ os: "unknown", cpus: 0, memoryMb: 0, diskGb: 0, arch: "unknown" });
    expect(parseConfigureOutput(undefined).hostKey).toBe("");
  });

  it("fingerprints host keys as ssh-keygen does", () => {
    expect(sshFingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG hoist-test")).toBe("SHA256:AW8W3eNqn/txj94zHV1iCmycfH8+6QzCufYpqeAc3u8");
    expect(sshFingerprint("")).toBe("");
  });
});
