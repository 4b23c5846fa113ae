// Stand-in for the official `digitalocean` provider plugin (pulumi-digitalocean 4.80.1, bridged
// from terraform-provider-digitalocean): Droplet, SshKey and Firewall against the DigitalOcean
// API at `digitalocean:apiEndpoint`. Test bed only: production uses the official plugin.
import sdkPackage from "@pulumi/digitalocean/package.json" with { type: "json" };
import { urnType } from "../bridge.ts";
import { withVerb, type ResourceHandler } from "./bridge.ts";
import { dropletResource } from "./droplet.ts";
import { firewallResource } from "./firewall.ts";
import { GodoClient, type ClientSettings } from "./godo.ts";
import { sshKeyResource } from "./sshKey.ts";
import { serve, type ProviderConfig, type StandIn } from "../serve.ts";

/** The plugin version the SDK asks the engine for. */
const VERSION: string = sdkPackage.pulumi.version;

/** Provider config, with the official provider's environment fallbacks and defaults. */
export function clientSettings(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const num = (v: string | undefined, fallback: number) => (v !== undefined && v !== "" && Number.isFinite(Number(v)) ? Number(v) : fallback);
  return {
    token: config.token ?? env.DIGITALOCEAN_TOKEN ?? env.DIGITALOCEAN_ACCESS_TOKEN ?? "",
    apiEndpoint: config.apiEndpoint ?? env.DIGITALOCEAN_API_URL ?? "https://api.digitalocean.com",
    retryMax: num(config.httpRetryMax ?? env.DIGITALOCEAN_HTTP_RETRY_MAX, 4),
    retryWaitMinSeconds: num(config.httpRetryWaitMin ?? env.DIGITALOCEAN_HTTP_RETRY_WAIT_MIN, 1),
    retryWaitMaxSeconds: num(config.httpRetryWaitMax ?? env.DIGITALOCEAN_HTTP_RETRY_WAIT_MAX, 30),
    userAgent: `pulumi-digitalocean/${VERSION} (Hoist test-bed stand-in)`,
  };
}

function standIn(): StandIn {
  let client: GodoClient | undefined;
  // Like the official provider, nothing is checked at configure time: a bad token shows on the first call.
  const api = () => (client ??= new GodoClient(clientSettings({})));
  const handlers: Record<string, ResourceHandler> = {
    "digitalocean:index/droplet:Droplet": dropletResource(api),
    "digitalocean:index/sshKey:SshKey": sshKeyResource(api),
    "digitalocean:index/firewall:Firewall": firewallResource(api),
  };
  const handler = (urn: string): ResourceHandler => {
    const h = handlers[urnType(urn)];
    if (!h) throw new Error(`unknown resource type ${urnType(urn)} (the test-bed digitalocean stand-in serves ${Object.keys(handlers).join(", ")})`);
    return h;
  };
  return {
    version: VERSION,
    configure(config) {
      client = new GodoClient(clientSettings(config));
    },
    check: (urn, olds, news) => handler(urn).check(urn, olds, news),
    // A failed create without an id reaches the engine as the diagnostic itself; the other
    // operations carry the bridge's `<verb> <urn>: ` prefix.
    create: (urn, inputs) => handler(urn).create(urn, inputs),
    diff: (id, urn, olds, news) => handler(urn).diff(id, urn, olds, news).catch((err) => Promise.reject(withVerb("diffing", urn, err))),
    read: (id, urn, props) => handler(urn).read(id, urn, props).catch((err) => Promise.reject(withVerb("refreshing", urn, err))),
    update: (id, urn, olds, news) => handler(urn).update(id, urn, olds, news).catch((err) => Promise.reject(withVerb("updating", urn, err))),
    delete: (id, urn, props) => handler(urn).delete(id, urn, props).catch((err) => Promise.reject(withVerb("deleting", urn, err))),
  };
}

await serve("digitalocean", standIn());
