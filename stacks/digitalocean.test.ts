// The DigitalOcean adapter without an engine: the program under Pulumi's mocks, and its errors as
// the official provider (godo under Terraform) writes them.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServerSpec } from "./cloud.ts";
import { digitaloceanCloud } from "./digitalocean.ts";

const created: { type: string; name: string; inputs: Record<string, any> }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "digitalocean:index/sshKey:SshKey") state.fingerprint = "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa";
        if (args.type === "digitalocean:index/droplet:Droplet") state.ipv4Address = "127.0.9.8";
        if (args.type === "command:remote:Command") state.stdout = "hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG host\nnode=x";
        return { id: args.type === "digitalocean:index/droplet:Droplet" ? "4242" : `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "hoist",
    "server-web",
    true,
  );
});

const spec: ServerSpec = {
  cloud: "digitalocean",
  name: "web",
  region: "fra1",
  size: "s-1vcpu-1gb",
  image: "ubuntu-24-04-x64",
  sshPublicKey: "ssh-ed25519 AAAAkey hoist-web",
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
  nodeId: "0b0f5d36-8d0a-4d5c-9c0e-3f8e1a6a2b11",
  firewallPorts: [22, 80, 443],
  operatorKeys: [],
};

const value = <T>(o: pulumi.Output<T> | T) => new Promise<T>((resolve) => (pulumi.Output.isInstance(o) ? (o as pulumi.Output<T>).apply(resolve) : resolve(o as T)));
const explain = digitaloceanCloud.servers!.explainError;

describe("the DigitalOcean server program", () => {
  it("creates a key, a droplet tagged with its node, a firewall and the configure step as root", async () => {
    const outputs = (await digitaloceanCloud.servers!.program(spec)()) as Record<string, any>;
    // Resources register as their inputs resolve: read the last one's output first.
    await value(outputs.facts);
    expect(await value(outputs.sshUser)).toBe("root");
    expect(await value(outputs.providerId)).toBe("4242");
    expect(await value(outputs.hostKeyFingerprint)).toBe("SHA256:AW8W3eNqn/txj94zHV1iCmycfH8+6QzCufYpqeAc3u8");
    const byType = (t: string) => created.find((c) => c.type === t)!.inputs;
    expect(byType("digitalocean:index/droplet:Droplet")).toMatchObject({
      name: "web",
      region: "fra1",
      size: "s-1vcpu-1gb",
      image: "ubuntu-24-04-x64",
      sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
      tags: ["hoist", `hoist-node:${spec.nodeId}`],
    });
    const fw = byType("digitalocean:index/firewall:Firewall");
    expect(fw.dropletIds).toEqual([4242]);
    expect(fw.tags).toEqual([`hoist-node:${spec.nodeId}`]);
    expect(fw.inboundRules.map((r: any) => r.portRange)).toEqual(["22", "80", "443"]);
    // A firewall without outbound rules would cut the droplet off: everything outbound is allowed.
    expect(fw.outboundRules.map((r: any) => r.protocol)).toEqual(["tcp", "udp", "icmp"]);
    const configure = byType("command:remote:Command");
    expect(configure.connection.value).toMatchObject({ host: "127.0.9.8", user: "root" });
    expect(configure.create).toMatch(/^sh -c '/);
  });

  it("offers root as the login user of every image, and its provider settings with the token as a secret", () => {
    expect(digitaloceanCloud.servers!.loginUser("debian-12-x64")).toBe("root");
    const cred = { secret: { reveal: () => ({ token: "dop_v1_x" }) } as any, settings: {}, endpoint: "http://127.0.0.1:1" };
    expect(digitaloceanCloud.servers!.providerConfig(cred, { region: "fra1" })).toEqual({
      "digitalocean:token": { value: "dop_v1_x", secret: true },
      "digitalocean:apiEndpoint": { value: "http://127.0.0.1:1", secret: false },
    });
  });
});

// Texts as the provider reports them through Pulumi: Terraform's prefix, then godo's error.
const godo = (status: number, message: string, request = "a87d2f5c-1b6e-4f0a-9d3c-5e7b8a9c0d1e") =>
  `  digitalocean:index:Droplet (server):\n    error: Error creating droplet: POST https://api.digitalocean.com/v2/droplets: ${status} (request "${request}") ${message}\n`;

describe("DigitalOcean errors in operator words", () => {
  it("names a rejected or under-scoped token as an authentication failure, with the request id", () => {
    expect(explain(godo(401, "Unable to authenticate you"))).toEqual({
      code: "unauthorized",
      reason: "DigitalOcean rejected the API token: Unable to authenticate you (request a87d2f5c-1b6e-4f0a-9d3c-5e7b8a9c0d1e)",
      action: expect.stringContaining("Credentials tab"),
      retryable: false,
      auth: true,
    });
    expect(explain(godo(403, "You do not have access for the attempted action."))).toMatchObject({ code: "forbidden", auth: true });
  });

  it("tells the droplet limit, unavailable regions and sizes, and rate limits apart", () => {
    expect(explain(godo(422, "creating this/these droplet(s) will exceed your droplet limit"))).toMatchObject({ code: "droplet_limit", retryable: false, auth: false });
    expect(explain(godo(422, "Region is not available"))).toMatchObject({ code: "region_unavailable", retryable: false });
    expect(explain(godo(422, "Size is not available in this region."))).toMatchObject({ code: "size_unavailable", retryable: false });
    expect(explain(godo(422, "You specified an invalid image for Droplet creation."))).toMatchObject({ code: "unprocessable_entity", retryable: false });
    expect(explain(godo(429, "API Rate limit exceeded."))).toMatchObject({ code: "too_many_requests", retryable: true });
    expect(explain(godo(503, "The service is temporarily unavailable. Please try again later."))).toMatchObject({ code: "server_error", retryable: true });
    // godo without a request id (an answer without the header).
    expect(explain("error: Error creating droplet: POST https://api.digitalocean.com/v2/droplets: 422 creating this/these droplet(s) will exceed your droplet limit").reason).toBe(
      "The DigitalOcean account's droplet limit is reached: creating this/these droplet(s) will exceed your droplet limit",
    );
  });

  it("explains a droplet that failed after it was accepted, and falls back to the shared explanations", () => {
    expect(explain("error: Error waiting for droplet (4242) to become ready: unexpected state 'off', wanted target 'active'. last error: %!s(<nil>)")).toMatchObject({
      code: "droplet_failed",
      reason: "DigitalOcean could not start the droplet: it became off instead of active",
      retryable: true,
    });
    expect(explain("command:remote:Command (configure):\n  error: after 40 failed attempts: dial tcp 127.0.1.5:22: connect: connection refused")).toMatchObject({ code: "ssh" });
  });
});
