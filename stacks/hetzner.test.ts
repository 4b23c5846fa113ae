// The Hetzner adapter without an engine: the program under Pulumi's mocks, and error mapping.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { hetznerCloud as hetzner } from "./hetzner.ts";
import type { ServerSpec } from "./cloud.ts";

interface Created {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const created: Created[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "hcloud:index/server:Server") state.ipv4Address = "127.0.9.9";
        if (args.type === "command:remote:Command") {
          state.stdout = ["os=Ubuntu 24.04 LTS", "cpus=2", "memory_kb=4014080", "disk_kb=39937312", "arch=x86_64", "hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG host", "node=0b0f5d36-8d0a-4d5c-9c0e-3f8e1a6a2b11"].join("\n");
        }
        return { id: args.type === "hcloud:index/firewall:Firewall" ? "77" : `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "hoist",
    "server-web",
    true,
  );
});

const spec: ServerSpec = {
  cloud: "hetzner",
  name: "web",
  region: "fsn1",
  size: "cx22",
  image: "ubuntu-24.04",
  sshPublicKey: "ssh-ed25519 AAAAkey hoist-web",
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
  nodeId: "0b0f5d36-8d0a-4d5c-9c0e-3f8e1a6a2b11",
  firewallPorts: [22, 80, 443],
  operatorKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG ada@laptop"],
  priceMonthly: "4.51",
};

const value = <T>(o: pulumi.Output<T> | T) => new Promise<T>((resolve) => (pulumi.Output.isInstance(o) ? (o as pulumi.Output<T>).apply(resolve) : resolve(o as T)));

describe("the Hetzner server program", () => {
  it("creates a key, a firewall, the server and the configure step, and outputs the node's facts", async () => {
    const outputs = (await hetzner.servers!.program(spec)()) as Record<string, any>;
    // Resources register as their inputs resolve: read every output first.
    const facts = await value(outputs.facts);
    const byType = (t: string) => created.find((c) => c.type === t)!;
    expect(byType("hcloud:index/sshKey:SshKey").inputs).toMatchObject({ name: "hoist-web", publicKey: spec.sshPublicKey, labels: { "hoist-node": spec.nodeId } });
    const fw = byType("hcloud:index/firewall:Firewall").inputs;
    expect(fw.labels).toEqual({ "managed-by": "hoist", "hoist-node": spec.nodeId });
    expect(fw.rules.map((r: any) => [r.direction, r.protocol, r.port])).toEqual([
      ["in", "tcp", "22"],
      ["in", "tcp", "80"],
      ["in", "tcp", "443"],
    ]);
    const server = byType("hcloud:index/server:Server").inputs;
    expect(server).toMatchObject({ name: "web", serverType: "cx22", image: "ubuntu-24.04", location: "fsn1", sshKeys: ["ssh-key-id"], firewallIds: [77] });
    expect(server.labels).toEqual({ "managed-by": "hoist", "hoist-node": spec.nodeId });

    const configure = byType("command:remote:Command").inputs;
    // The connection carries the private key, so the whole of it travels as a secret.
    expect(configure.connection["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(configure.connection.value).toMatchObject({ host: "127.0.9.9", user: "root", port: 22, privateKey: spec.sshPrivateKey, dialErrorLimit: 40 });
    // Root logs in directly; the node id and the operator's key are the script's arguments.
    expect(configure.create).toMatch(/^sh -c '/);
    expect(configure.create.endsWith(` hoist-configure ${spec.nodeId} root 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG ada@laptop'`)).toBe(true);

    expect(await value(outputs.ipv4)).toBe("127.0.9.9");
    expect(await value(outputs.providerId)).toBe("server-id");
    expect(await value(outputs.hostKeyFingerprint)).toBe("SHA256:AW8W3eNqn/txj94zHV1iCmycfH8+6QzCufYpqeAc3u8");
    expect(facts).toEqual({ os: "Ubuntu 24.04 LTS", cpus: 2, memoryMb: 3920, diskGb: 38, arch: "x86_64", docker: "missing" });
    expect(await value(outputs.priceMonthly)).toBe("4.51");
  });
});

describe("Hetzner errors in operator words", () => {
  const explain = hetzner.servers!.explainError;

  it("names a rejected token and marks it an authentication failure", () => {
    const e = explain("Diagnostics:\n  hcloud:index:Server (server):\n    error: unable to authenticate (unauthorized)\n\n  pulumi:pulumi:Stack (hoist-server-web):\n    error: update failed\n");
    expect(e).toMatchObject({ code: "unauthorized", auth: true, retryable: false });
    expect(e.reason).toBe("Hetzner rejected the API token: unable to authenticate");
    expect(explain("error: entered token is invalid (must be exactly 64 characters long)")).toMatchObject({ auth: true, code: "invalid_token" });
  });

  it("reads the official clients' texts with Hetzner's correlation id, and keeps the id for support", () => {
    // hcloud-go appends X-Correlation-Id to API errors: `<message> (<code>, <correlation id>)`.
    const e = explain("  hcloud:index:Server (server):\n    error: server limit exceeded (resource_limit_exceeded, 3a1c9f0e7b2d4a58)\n");
    expect(e).toMatchObject({ code: "resource_limit_exceeded", retryable: false, auth: false });
    expect(e.reason).toBe("The Hetzner project's server limit is reached: server limit exceeded (request 3a1c9f0e7b2d4a58)");
    expect(explain("error: unable to authenticate (unauthorized, 0c7e2d9b1a4f6e38)")).toMatchObject({ code: "unauthorized", auth: true });
    expect(explain("error: unsupported location for server type (invalid_input, f00dfeed12345678)")).toMatchObject({ code: "invalid_input", retryable: false });
  });

  it("keeps the provider's message for quota, failed actions and capacity", () => {
    expect(explain("  error: server limit exceeded (resource_limit_exceeded)")).toMatchObject({
      code: "resource_limit_exceeded",
      reason: "The Hetzner project's server limit is reached: server limit exceeded",
      retryable: false,
      auth: false,
    });
    expect(explain("error: error during placement (resource_unavailable, 42)")).toMatchObject({ code: "resource_unavailable", retryable: true });
    expect(explain("error: cannot boot server (boot_failed, 7)")).toMatchObject({ code: "boot_failed", reason: "Hetzner could not complete the request: cannot boot server", retryable: true });
  });

  it("falls back to the shared explanations for SSH and unknown failures", () => {
    expect(explain("command:remote:Command (configure):\n  error: after 40 failed attempts: dial tcp 127.0.1.5:22: connect: connection refused")).toMatchObject({ code: "ssh", retryable: true });
    expect(explain("error: something odd happened").reason).toBe("something odd happened");
  });
});
