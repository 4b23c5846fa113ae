import { describe, expect, it } from "vitest";
import { configureCommand, isPublicKeyLine, parseConfigureOutput, sshFingerprint } from "./server.ts";

const NODE = "0b0f5d36-8d0a-4d5c-9c0e-3f8e1a6a2b11";
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG ada's laptop";

describe("the configure step", () => {
  it("passes its values as arguments of a fixed script, through sudo for a login user that is not root", () => {
    const asRoot = configureCommand(NODE, "root", [KEY]);
    expect(asRoot).toMatch(/^sh -c 'set -eu\n/);
    expect(asRoot.endsWith(` hoist-configure ${NODE} root 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG ada'\\''s laptop'`)).toBe(true);
    expect(configureCommand(NODE, "ubuntu", [])).toMatch(/^sudo -n sh -c 'set -eu\n[^]*' hoist-configure 0b0f5d36-8d0a-4d5c-9c0e-3f8e1a6a2b11 ubuntu$/);
  });

  it("refuses values that are not what Hoist makes: a node id, a user name, public keys", () => {
    expect(() => configureCommand("x'; rm -rf / #", "root", [])).toThrow(/must be a UUID/);
    expect(() => configureCommand(NODE, "root; reboot", [])).toThrow(/Unix user name/);
    expect(() => configureCommand(NODE, "root", ["ssh-ed25519 AAAA\nrm -rf /"])).toThrow(/not an OpenSSH public key/);
  });

  it("knows an OpenSSH public key line from anything else", () => {
    expect(isPublicKeyLine(KEY)).toBe(true);
    expect(isPublicKeyLine(KEY.split(" ").slice(0, 2).join(" "))).toBe(true);
    // The blob names its own type: a relabelled key is not one.
    expect(isPublicKeyLine(KEY.replace("ssh-ed25519", "ssh-rsa"))).toBe(false);
    expect(isPublicKeyLine("ssh-ed25519 not-base64!")).toBe(false);
    expect(isPublicKeyLine("-----BEGIN OPENSSH PRIVATE KEY-----")).toBe(false);
    expect(isPublicKeyLine(`${KEY}\nssh-ed25519 AAAA second`)).toBe(false);
  });

  it("reads facts, host key and node id from its output", () => {
    const p = parseConfigureOutput("os=Debian GNU/Linux 12 (bookworm)\ncpus=4\nmemory_kb=8388608\ndisk_kb=83886080\narch=aarch64\ndocker=Docker version 20.10.24+dfsg1\nhostkey=ssh-ed25519 AAAA x\nnode=abc\n");
    expect(p.facts).toEqual({ os: "Debian GNU/Linux 12 (bookworm)", cpus: 4, memoryMb: 8192, diskGb: 80, arch: "aarch64", docker: "Docker version 20.10.24+dfsg1" });
    expect(p.hostKey).toBe("ssh-ed25519 AAAA x");
    expect(p.nodeId).toBe("abc");
    expect(parseConfigureOutput("").facts).toEqual({ os: "unknown", cpus: 0, memoryMb: 0, diskGb: 0, arch: "unknown", docker: "missing" });
    expect(parseConfigureOutput(undefined).hostKey).toBe("");
  });

  it("fingerprints host keys as ssh-keygen does", () => {
    expect(sshFingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG hoist-test")).toBe("SHA256:AW8W3eNqn/txj94zHV1iCmycfH8+6QzCufYpqeAc3u8");
    expect(sshFingerprint("")).toBe("");
  });
});
