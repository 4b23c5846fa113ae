// digitalocean:index/firewall:Firewall, after terraform-provider-digitalocean's firewall/*.go.
import { asSet, isUnknown, reseal, reveal, type Field } from "../bridge.ts";
import { checkInputs, diffFields, initFailed, ProviderError, withVerb, type ResourceHandler } from "./bridge.ts";
import { GodoError, type GodoClient } from "./godo.ts";

type Props = Record<string, unknown>;
type Direction = { rules: "inboundRules" | "outboundRules"; api: "inbound_rules" | "outbound_rules"; targets: "sources" | "destinations"; prefix: "source" | "destination" };

const DIRECTIONS: Direction[] = [
  { rules: "inboundRules", api: "inbound_rules", targets: "sources", prefix: "source" },
  { rules: "outboundRules", api: "outbound_rules", targets: "destinations", prefix: "destination" },
];
// Pulumi's name for each target list, and the API's.
const TARGETS: [string, string][] = [
  ["Addresses", "addresses"],
  ["DropletIds", "droplet_ids"],
  ["LoadBalancerUids", "load_balancer_uids"],
  ["KubernetesIds", "kubernetes_ids"],
  ["Tags", "tags"],
];

interface ApiRule {
  protocol: string;
  ports?: string;
  sources?: Record<string, unknown[]>;
  destinations?: Record<string, unknown[]>;
}

interface ApiFirewall {
  id: string;
  name: string;
  status: string;
  created_at: string;
  inbound_rules: ApiRule[] | null;
  outbound_rules: ApiRule[] | null;
  droplet_ids: number[] | null;
  tags: string[] | null;
  pending_changes: { droplet_id: number; removing: boolean; status: string }[] | null;
}

/** A rule set in a form where equal sets compare equal. */
const ruleSet = (prefix: string) => (v: unknown) =>
  (Array.isArray(v) ? (v as Props[]) : [])
    .map((r) => JSON.stringify([r.protocol, r.portRange ?? "", ...TARGETS.map(([k]) => asSet(r[prefix + k]))]))
    .sort();

const FIELDS: Record<string, Field> = {
  name: {},
  dropletIds: { norm: asSet },
  tags: { norm: (v) => asSet(v).map((t) => t.toLowerCase()) },
  inboundRules: { norm: ruleSet("source") },
  outboundRules: { norm: ruleSet("destination") },
};

export function firewallResource(api: () => GodoClient): ResourceHandler {
  const get = async (id: string) => (await api().get<{ firewall: ApiFirewall }>(`v2/firewalls/${id}`)).firewall;
  return {
    async check(urn, olds, news) {
      return checkInputs(urn, olds, news, FIELDS, []);
    },

    async diff(_id, _urn, olds, news) {
      validateRules(reveal(news));
      return diffFields(FIELDS, olds, news);
    },

    async create(urn, raw) {
      const inputs = reveal(raw);
      // The bridge plans a create with the provider's diff, so these checks fail it as "diffing".
      try {
        validateRules(inputs);
      } catch (err) {
        throw withVerb("diffing", urn, err);
      }
      let id: string;
      try {
        id = (await api().post<{ firewall: ApiFirewall }>("v2/firewalls", firewallRequest(inputs))).firewall.id;
      } catch (err) {
        throw new ProviderError(`Error creating firewall: ${(err as Error).message}`);
      }
      try {
        return { id, outs: reseal(raw, firewallState(await get(id))) };
      } catch (err) {
        throw initFailed(urn, `Error retrieving firewall: ${(err as Error).message}`, id, reseal(raw, { ...inputs, id }));
      }
    },

    async read(id, _urn, props) {
      try {
        return { id, props: reseal(props ?? {}, firewallState(await get(id))) };
      } catch (err) {
        if (err instanceof GodoError && err.status === 404) return { id: "", props: {} };
        throw new ProviderError(`Error retrieving firewall: ${(err as Error).message}`);
      }
    },

    async update(id, _urn, _olds, news) {
      const inputs = reveal(news);
      validateRules(inputs);
      try {
        await api().put(`v2/firewalls/${id}`, firewallRequest(inputs));
      } catch (err) {
        throw new ProviderError(`Error updating firewall: ${(err as Error).message}`);
      }
      try {
        return { outs: reseal(news, firewallState(await get(id))) };
      } catch (err) {
        throw new ProviderError(`Error retrieving firewall: ${(err as Error).message}`);
      }
    },

    async delete(id) {
      try {
        await api().delete(`v2/firewalls/${id}`);
      } catch (err) {
        // Upstream's check: godo's message says "404 (request …)", so in practice a firewall
        // already gone fails the delete, as it does with the official provider.
        if ((err as Error).message.includes("404 Not Found")) return;
        throw new ProviderError(`Error deleting firewall: ${(err as Error).message}`);
      }
    },
  };
}

/** The provider's CustomizeDiff checks. */
function validateRules(inputs: Props): void {
  // Rules not known yet (preview) are checked when they are.
  if (isUnknown(inputs.inboundRules) || isUnknown(inputs.outboundRules)) return;
  const inbound = (inputs.inboundRules ?? []) as Props[];
  const outbound = (inputs.outboundRules ?? []) as Props[];
  if (!inbound.length && !outbound.length) throw new ProviderError("At least one rule must be specified");
  for (const [rules, dir] of [[inbound, "inbound"], [outbound, "outbound"]] as const) {
    for (const r of rules) {
      if (r.protocol !== "icmp" && !r.portRange) throw new ProviderError(`\`port_range\` of ${dir} rules is required if protocol is \`tcp\` or \`udp\``);
    }
  }
}

/** godo's FirewallRequest. */
function firewallRequest(i: Props): Props {
  const req: Props = { name: i.name };
  for (const d of DIRECTIONS) {
    const rules = i[d.rules] as Props[] | undefined;
    req[d.api] = rules?.length
      ? rules.map((r) => {
          const targets: Props = {};
          for (const [pulumi, apiKey] of TARGETS) {
            const list = asSet(r[d.prefix + pulumi]);
            if (list.length) targets[apiKey] = apiKey === "droplet_ids" ? list.map(Number) : list;
          }
          return { protocol: r.protocol, ...(r.portRange ? { ports: r.portRange } : {}), [d.targets]: targets };
        })
      : null;
  }
  const dropletIds = asSet(i.dropletIds).map(Number);
  req.droplet_ids = dropletIds.length ? dropletIds : null;
  req.tags = asSet(i.tags);
  return req;
}

/** The firewall's state as upstream's Read sets it. */
function firewallState(f: ApiFirewall): Props {
  const state: Props = {
    id: f.id,
    name: f.name,
    status: f.status,
    createdAt: f.created_at,
    pendingChanges: (f.pending_changes ?? []).map((p) => ({ dropletId: p.droplet_id, removing: p.removing, status: p.status })),
    dropletIds: f.droplet_ids ?? [],
    tags: f.tags ?? [],
  };
  for (const d of DIRECTIONS) {
    state[d.rules] = (f[d.api] ?? []).map((r) => {
      const rule: Props = { protocol: r.protocol };
      // The API answers 0 for "all ports"; for icmp, 0 means none were given.
      if (r.ports === "0") {
        if (r.protocol !== "icmp") rule.portRange = "all";
      } else if (r.ports) rule.portRange = r.ports;
      const targets = r[d.targets] ?? {};
      for (const [pulumi, apiKey] of TARGETS) if (targets[apiKey]) rule[d.prefix + pulumi] = targets[apiKey];
      return rule;
    });
  }
  return state;
}
