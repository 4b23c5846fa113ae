// DigitalOcean: https://docs.digitalocean.com/reference/api/ (API v2) and the @pulumi/digitalocean
// provider. A server is a droplet with its SSH key and a cloud firewall.
import * as digitalocean from "@pulumi/digitalocean";
import { z } from "zod";
import type { Catalog, CloudAdapter, CloudCredential } from "./cloud.ts";
import { defaultEndpoint, digitalOceanApi } from "./digitalocean-api.ts";
import { explainDigitalOceanError } from "./digitalocean-errors.ts";
import { checkFailure, getJson } from "./http.ts";
import { configureStep, hostname, SERVER_RESOURCE, serverOutputs } from "./server.ts";

interface Region {
  slug: string;
  name: string;
  available: boolean;
}
interface Size {
  slug: string;
  memory: number;
  vcpus: number;
  disk: number;
  price_monthly: number;
  price_hourly: number;
  regions: string[];
  available: boolean;
}
interface Image {
  slug: string | null;
  distribution: string;
  name: string;
  status?: string;
  public: boolean;
}

const parseError = (body: unknown) => {
  const e = body as { id?: string; message?: string } | undefined;
  return { code: e?.id, message: e?.message };
};

/** The tag that marks a server's resources as this node's (droplet tags allow letters, digits, `:`, `-`, `_`). */
const nodeTag = (nodeId: string) => `hoist-node:${nodeId}`;

const everywhere = ["0.0.0.0/0", "::/0"];

async function catalog(cred: CloudCredential, opts?: { signal?: AbortSignal }): Promise<Catalog> {
  const api = digitalOceanApi(cred, opts?.signal);
  const [regions, sizes, images] = await Promise.all([
    api.all<Region>("/v2/regions", "regions"),
    api.all<Size>("/v2/sizes", "sizes"),
    api.all<Image>("/v2/images?type=distribution", "images"),
  ]);
  const open = new Set(regions.filter((r) => r.available).map((r) => r.slug));
  return {
    currency: "USD",
    locations: regions.filter((r) => r.available).map((r) => ({ id: r.slug, label: `${r.name} (${r.slug})` })),
    sizes: sizes
      .filter((s) => s.available)
      .map((s) => ({
        id: s.slug,
        label: `${s.slug}: ${s.vcpus} vCPU, ${s.memory / 1024} GB RAM, ${s.disk} GB disk`,
        cpus: s.vcpus,
        memoryGb: s.memory / 1024,
        diskGb: s.disk,
        // DigitalOcean prices a size the same in every region that offers it.
        prices: Object.fromEntries(s.regions.filter((r) => open.has(r)).map((r) => [r, { monthly: s.price_monthly, hourly: s.price_hourly }])),
      })),
    images: images
      .filter((i) => i.slug && i.public && (i.status ?? "available") === "available")
      .map((i) => ({ id: i.slug!, label: `${i.distribution} ${i.name}` })),
  };
}

export const digitaloceanCloud: CloudAdapter = {
  id: "digitalocean",
  label: "DigitalOcean",
  credentialFields: [
    {
      key: "token",
      label: "Personal access token",
      secret: true,
      help: "A token with read and write scope from API → Tokens in the DigitalOcean control panel.",
      schema: z
        .string()
        .regex(/^(dop_v1_[a-f0-9]{64}|[a-f0-9]{64})$/, "must be a DigitalOcean personal access token (dop_v1_ and 64 hex digits)"),
    },
  ],
  async checkCredential(cred, opts) {
    const base = cred.endpoint ?? defaultEndpoint;
    try {
      const res = await getJson<{ account?: { email?: string; status?: string } }>({
        url: `${base}/v2/account`,
        token: cred.secret.reveal().token ?? "",
        signal: opts?.signal,
        parseError,
      });
      if (res.account?.status && res.account.status !== "active") {
        return { validity: "invalid", reason: `DigitalOcean account is ${res.account.status}` };
      }
      return { validity: "valid" };
    } catch (err) {
      return checkFailure(err, "DigitalOcean");
    }
  },
  servers: {
    // A droplet's name becomes its hostname.
    name: hostname,
    catalog,
    loginUser: () => "root",
    providerConfig(cred) {
      return {
        "digitalocean:token": { value: cred.secret.reveal().token ?? "", secret: true },
        ...(cred.endpoint && { "digitalocean:apiEndpoint": { value: cred.endpoint, secret: false } }),
      };
    },
    program: (spec) => async () => {
      const tags = ["hoist", nodeTag(spec.nodeId)];
      // Names are not unique at DigitalOcean: the node tag, not the name, says which are this server's.
      const key = new digitalocean.SshKey("ssh-key", { name: `hoist-${spec.name}`, publicKey: spec.sshPublicKey });
      const droplet = new digitalocean.Droplet(SERVER_RESOURCE, {
        name: spec.name,
        region: spec.region,
        size: spec.size,
        image: spec.image,
        sshKeys: [key.fingerprint],
        tags,
      });
      new digitalocean.Firewall("firewall", {
        name: `hoist-${spec.name}`,
        dropletIds: [droplet.id.apply(Number)],
        // The firewall also applies to the node's tag, which is how Hoist finds it again.
        tags: [nodeTag(spec.nodeId)],
        inboundRules: spec.firewallPorts.map((port) => ({ protocol: "tcp", portRange: String(port), sourceAddresses: everywhere })),
        // A DigitalOcean firewall drops whatever its rules do not allow, outbound too.
        outboundRules: [
          { protocol: "tcp", portRange: "all", destinationAddresses: everywhere },
          { protocol: "udp", portRange: "all", destinationAddresses: everywhere },
          { protocol: "icmp", destinationAddresses: everywhere },
        ],
      });
      const configure = configureStep(spec, { host: droplet.ipv4Address, user: "root", dependsOn: [droplet] });
      return serverOutputs(spec, { providerId: droplet.id, ipv4: droplet.ipv4Address, sshUser: "root", running: droplet.status.apply((s) => s === "active") }, configure);
    },
    explainError: explainDigitalOceanError,
    powerState: { type: "digitalocean:index/droplet:Droplet", property: "status", running: "active" },
    // The droplet limit is the account's; a size or region not available now is that region's.
    regionalCodes: ["size_unavailable", "region_unavailable"],
    async power(cred, server, action, opts) {
      await digitalOceanApi(cred, opts?.signal).act(server.providerId, action === "on" ? "power_on" : "power_off");
    },
    async findResource(cred, lookup) {
      const api = digitalOceanApi(cred);
      switch (lookup.type) {
        case "digitalocean:index/droplet:Droplet":
          return (await api.all<{ id: number }>(`/v2/droplets?tag_name=${encodeURIComponent(nodeTag(lookup.nodeId))}`, "droplets"))[0]?.id.toString();
        case "digitalocean:index/firewall:Firewall":
          return (await api.all<{ id: string; tags: string[] }>("/v2/firewalls", "firewalls")).find((f) => f.tags.includes(nodeTag(lookup.nodeId)))?.id;
        case "digitalocean:index/sshKey:SshKey": {
          // Keys carry no tags; each server's key pair is its own, so its public key identifies it.
          const publicKey = String(lookup.inputs.publicKey ?? "").trim();
          const keys = await api.all<{ id: number; public_key: string }>("/v2/account/keys", "ssh_keys");
          return publicKey ? keys.find((k) => k.public_key.trim() === publicKey)?.id.toString() : undefined;
        }
        default:
          return undefined;
      }
    },
  },
};
