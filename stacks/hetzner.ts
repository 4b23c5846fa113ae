// Hetzner Cloud: https://docs.hetzner.cloud/ (API v1) and the @pulumi/hcloud provider.
import * as hcloud from "@pulumi/hcloud";
import { z } from "zod";
import type { Catalog, CloudAdapter, ExplainedError } from "./cloud.ts";
import { errorLines, explainCommon, firstError, unknownError } from "./errors.ts";
import { defaultEndpoint, hetznerApi, type Action } from "./hetzner-api.ts";
import { checkFailure } from "./http.ts";
import { configureStep, hostname, SERVER_RESOURCE, serverOutputs } from "./server.ts";

interface Price {
  location: string;
  price_hourly: { gross: string };
  price_monthly: { gross: string };
}
interface ServerType {
  name: string;
  description: string;
  cores: number;
  memory: number;
  disk: number;
  architecture: string;
  deprecated: boolean | null;
  prices: Price[];
  locations?: { name: string; available?: boolean; deprecation?: unknown }[];
}

// What Hetzner's codes mean to an operator. `retryable`: whether retrying as is can help.
const codes: Record<string, Omit<ExplainedError, "code">> = {
  unauthorized: {
    reason: "Hetzner rejected the API token",
    action: "Check the credential on the Credentials tab (a Read & Write token from the Hetzner console), then retry.",
    retryable: false,
    auth: true,
  },
  token_readonly: {
    reason: "The Hetzner API token is read-only",
    action: "Create a Read & Write token in the Hetzner console and update the credential, then retry.",
    retryable: false,
    auth: true,
  },
  forbidden: { reason: "Hetzner refused the request for this project", action: "Check the token's project and permissions, then retry.", retryable: false, auth: true },
  resource_limit_exceeded: {
    reason: "The Hetzner project's server limit is reached",
    action: "Delete servers you no longer need, or ask Hetzner to raise the limit, then retry.",
    retryable: false,
    auth: false,
  },
  invalid_input: { reason: "Hetzner refused the server's settings", action: "Destroy this server and create it with another location, size or image.", retryable: false, auth: false },
  uniqueness_error: { reason: "A resource with this name already exists at Hetzner", action: "Delete or rename it in the Hetzner console, then retry.", retryable: false, auth: false },
  resource_unavailable: { reason: "Hetzner has no capacity for this size in this location right now", action: "Retry later, or destroy and choose another location.", retryable: true, auth: false },
  placement_error: { reason: "Hetzner could not place the server", action: "Retry later, or destroy and choose another location.", retryable: true, auth: false },
  rate_limit_exceeded: { reason: "Hetzner's API rate limit was hit", action: "Wait a minute, then retry.", retryable: true, auth: false },
  locked: { reason: "The server is locked by another action at Hetzner", action: "Wait for it to finish, then retry.", retryable: true, auth: false },
  conflict: { reason: "The resource changed at Hetzner while Hoist was working on it", action: "Retry.", retryable: true, auth: false },
  service_error: { reason: "Hetzner's API had an internal error", action: "Retry in a few minutes.", retryable: true, auth: false },
  server_error: { reason: "Hetzner's API had an internal error", action: "Retry in a few minutes.", retryable: true, auth: false },
  unavailable: { reason: "Hetzner's API is unavailable", action: "Retry in a few minutes.", retryable: true, auth: false },
  maintenance: { reason: "Hetzner's API is in maintenance", action: "Retry when the maintenance is over.", retryable: true, auth: false },
  timeout: { reason: "Hetzner did not answer in time", action: "Retry.", retryable: true, auth: false },
};

function explainError(message: string): ExplainedError {
  if (/entered token is invalid|Missing Hetzner Cloud API token/.test(message)) {
    return { ...codes.unauthorized!, reason: `Hetzner rejected the API token: ${firstError(message)}`, code: "invalid_token" };
  }
  // The provider reports API errors as `<message> (<code>)`, or `<message> (<code>, <correlation id>)`
  // when the API sent its X-Correlation-Id, and failed actions as `<message> (<code>, <action id>)`.
  for (const line of errorLines(message)) {
    const m = /^(.*?)\s*\(([a-z_]+)(?:, ([0-9a-f]+))?\)$/.exec(line);
    if (!m) continue;
    const [, detail, code, ref] = m as unknown as [string, string, string, string | undefined];
    // A correlation id helps Hetzner's support; an action id says nothing to the operator.
    const request = ref && !/^\d+$/.test(ref) ? ` (request ${ref})` : "";
    const known = codes[code];
    if (known) return { ...known, reason: `${known.reason}: ${detail}${request}`, code };
    return { reason: `Hetzner could not complete the request: ${detail}${request}`, code, action: "Retry; if it fails again, destroy the server and create it again.", retryable: true, auth: false };
  }
  return explainCommon(message) ?? unknownError(message);
}

const byPulumiType: Record<string, string> = {
  "hcloud:index/server:Server": "servers",
  "hcloud:index/sshKey:SshKey": "ssh_keys",
  "hcloud:index/firewall:Firewall": "firewalls",
};

export const hetznerCloud: CloudAdapter = {
  id: "hetzner",
  label: "Hetzner Cloud",
  credentialFields: [
    {
      key: "token",
      label: "API token",
      secret: true,
      help: "A Read & Write token from the Hetzner Cloud console: Security → API tokens.",
      schema: z.string().regex(/^[A-Za-z0-9]{64}$/, "must be a Hetzner Cloud API token: 64 letters and digits"),
    },
  ],
  async checkCredential(cred, opts) {
    try {
      await hetznerApi(cred, opts?.signal).get("/locations?per_page=1");
      return { validity: "valid" };
    } catch (err) {
      return checkFailure(err, "Hetzner");
    }
  },
  servers: {
    // Hetzner wants a valid hostname, unique in the project.
    name: hostname,

    async catalog(cred, opts): Promise<Catalog> {
      const api = hetznerApi(cred, opts?.signal);
      const [locations, types, images] = await Promise.all([
        api.all<{ name: string; city: string; country: string }>("/locations", "locations"),
        api.all<ServerType>("/server_types", "server_types"),
        api.all<{ name: string; description: string; architecture: string; deprecated: string | null }>("/images?type=system&status=available", "images"),
      ]);
      const seen = new Set<string>();
      return {
        currency: "EUR",
        locations: locations.map((l) => ({ id: l.name, label: `${l.city}, ${l.country} (${l.name})` })),
        sizes: types
          .filter((t) => !t.deprecated)
          .map((t) => ({
            id: t.name,
            label: `${t.name.toUpperCase()}: ${t.cores} vCPU, ${t.memory} GB RAM, ${t.disk} GB disk`,
            cpus: t.cores,
            memoryGb: t.memory,
            diskGb: t.disk,
            architecture: t.architecture,
            prices: Object.fromEntries(
              t.prices
                .filter((p) => !t.locations || t.locations.some((l) => l.name === p.location && l.available !== false && !l.deprecation))
                .map((p) => [p.location, { monthly: Number(p.price_monthly.gross), hourly: Number(p.price_hourly.gross) }]),
            ),
          })),
        // The provider picks the image for the server type's architecture by name.
        images: images
          .filter((i) => !i.deprecated && !seen.has(i.name) && seen.add(i.name))
          .map((i) => ({ id: i.name, label: i.description })),
      };
    },

    loginUser: () => "root",
    providerConfig(cred) {
      return {
        "hcloud:token": { value: cred.secret.reveal().token ?? "", secret: true },
        ...(cred.endpoint && { "hcloud:endpoint": { value: cred.endpoint, secret: false } }),
      };
    },

    program: (spec) => async () => {
      // Names are unique in a Hetzner project, so a replacement must delete the old one first.
      const unique = { deleteBeforeReplace: true };
      // The node label marks every resource as this server's: how Hoist finds them after a crash.
      const labels = { "managed-by": "hoist", "hoist-node": spec.nodeId };
      const key = new hcloud.SshKey("ssh-key", { name: `hoist-${spec.name}`, publicKey: spec.sshPublicKey, labels }, unique);
      const firewall = new hcloud.Firewall("firewall", {
        name: `hoist-${spec.name}`,
        labels,
        rules: spec.firewallPorts.map((port) => ({ direction: "in", protocol: "tcp", port: String(port), sourceIps: ["0.0.0.0/0", "::/0"] })),
      }, unique);
      const server = new hcloud.Server(SERVER_RESOURCE, {
        name: spec.name,
        serverType: spec.size,
        image: spec.image,
        location: spec.region,
        sshKeys: [key.id],
        firewallIds: [firewall.id.apply(Number)],
        labels,
      }, unique);
      const configure = configureStep(spec, { host: server.ipv4Address, user: "root", dependsOn: [server] });
      return serverOutputs(spec, { providerId: server.id, ipv4: server.ipv4Address, sshUser: "root", running: server.status.apply((s) => s === "running") }, configure);
    },

    explainError,
    // Capacity is per location; the project's server limit (resource_limit_exceeded) is not.
    regionalCodes: ["resource_unavailable", "placement_error"],

    powerState: { type: "hcloud:index/server:Server", property: "status", running: "running" },

    async power(cred, server, action, opts) {
      const api = hetznerApi(cred, opts?.signal);
      const res = await api.post<{ action: Action }>(`/servers/${encodeURIComponent(server.providerId)}/actions/${action === "on" ? "poweron" : "poweroff"}`, {});
      await api.wait(res.action);
    },

    async findResource(cred, lookup) {
      const collection = byPulumiType[lookup.type];
      if (!collection) return undefined;
      const res = await hetznerApi(cred).get<Record<string, { id: number }[]>>(`/${collection}?label_selector=${encodeURIComponent(`hoist-node=${lookup.nodeId}`)}`);
      const found = res[collection]?.[0];
      return found ? String(found.id) : undefined;
    },
  },
};

export { defaultEndpoint };
