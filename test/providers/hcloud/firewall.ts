// hcloud:index/firewall:Firewall, following terraform-provider-hcloud's SDKv2 firewall resource:
// nothing replaces it; a rules change is one set_rules action; applyTos changes apply to or remove
// from resources; delete detaches first and retries while the firewall is still in use.
import type { CreateResult, ReadResult, UpdateResult } from "@pulumi/pulumi/provider/index.js";
import { bridgeCheck, bridgeDiff, clean, fieldChanged, unordered, type Props, type Schema } from "../bridge.ts";
import type { HcloudClient } from "./client.ts";
import { HcloudError, isNotFound } from "./errors.ts";

export const FIREWALL_TYPE = "hcloud:index/firewall:Firewall";

export const firewallSchema: Schema = {
  recordsDefaults: true,
  fields: {
    name: {},
    labels: { computed: true },
    rules: { norm: unordered },
    applyTos: { norm: unordered, computed: true },
  },
};

interface ApiTarget {
  type: "server" | "label_selector";
  server?: { id: number };
  label_selector?: { selector: string };
}

const toApiRule = (r: Props) =>
  clean({
    direction: r.direction,
    protocol: r.protocol,
    port: r.port || undefined,
    source_ips: r.sourceIps ?? [],
    destination_ips: r.destinationIps ?? [],
    description: r.description || undefined,
  });

const fromApiRule = (r: any): Props =>
  clean({
    direction: r.direction,
    protocol: r.protocol,
    port: r.port ?? undefined,
    sourceIps: r.source_ips?.length ? r.source_ips : undefined,
    destinationIps: r.destination_ips?.length ? r.destination_ips : undefined,
    description: r.description || undefined,
  });

const toApiTarget = (t: Props): ApiTarget =>
  t.labelSelector ? { type: "label_selector", label_selector: { selector: t.labelSelector } } : { type: "server", server: { id: Number(t.server) } };

const fromApiTarget = (t: ApiTarget): Props => (t.type === "server" ? { server: t.server!.id } : { labelSelector: t.label_selector!.selector });

const targetKey = (t: Props) => (t.labelSelector ? `l:${t.labelSelector}` : `s:${Number(t.server)}`);

function state(fw: any): Props {
  return {
    name: fw.name,
    labels: fw.labels ?? {},
    rules: (fw.rules ?? []).map(fromApiRule),
    applyTos: (fw.applied_to ?? []).map(fromApiTarget),
  };
}

async function readFirewall(client: HcloudClient, id: string): Promise<ReadResult> {
  const fw = await client.getById<any>("firewalls", "firewall", id);
  if (!fw) return { id: "", props: {} };
  const props = state(fw);
  return { id, props, inputs: { ...props } };
}

async function changeTargets(client: HcloudClient, id: string, from: Props[], to: Props[]) {
  const keep = new Set(to.map(targetKey));
  const had = new Set(from.map(targetKey));
  const remove = from.filter((t) => !keep.has(targetKey(t))).map(toApiTarget);
  const add = to.filter((t) => !had.has(targetKey(t))).map(toApiTarget);
  if (remove.length) {
    const res = await client.request("POST", `/firewalls/${id}/actions/remove_from_resources`, { body: { remove_from: remove } });
    await client.waitFor(...res.actions);
  }
  if (add.length) {
    const res = await client.request("POST", `/firewalls/${id}/actions/apply_to_resources`, { body: { apply_to: add } });
    await client.waitFor(...res.actions);
  }
}

export const firewall = {
  check: (urn: string, olds: Props, news: Props) => bridgeCheck(firewallSchema, urn, olds, news),
  diff: (olds: Props, news: Props) => bridgeDiff(firewallSchema, olds, news),

  async create(client: HcloudClient, _urn: string, inputs: Props): Promise<CreateResult> {
    const res = await client.request("POST", "/firewalls", {
      body: clean({
        name: inputs.name,
        labels: inputs.labels ?? {},
        rules: (inputs.rules ?? []).map(toApiRule),
        apply_to: inputs.applyTos?.length ? inputs.applyTos.map(toApiTarget) : undefined,
      }),
    });
    const id = String(res.firewall.id);
    await client.waitFor(...res.actions);
    const read = await readFirewall(client, id);
    return { id, outs: read.props };
  },

  read: (client: HcloudClient, id: string) => readFirewall(client, id),

  async update(client: HcloudClient, id: string, olds: Props, news: Props): Promise<UpdateResult> {
    const changed = (k: string) => fieldChanged(firewallSchema, k, olds, news);
    if (changed("name") || changed("labels")) {
      await client.request("PUT", `/firewalls/${id}`, { body: clean({ name: news.name, labels: news.labels }) });
    }
    if (changed("rules")) {
      const res = await client.request("POST", `/firewalls/${id}/actions/set_rules`, { body: { rules: (news.rules ?? []).map(toApiRule) } });
      await client.waitFor(...res.actions);
    }
    if (news.applyTos !== undefined && changed("applyTos")) await changeTargets(client, id, olds.applyTos ?? [], news.applyTos);
    return { outs: (await readFirewall(client, id)).props };
  },

  async delete(client: HcloudClient, id: string): Promise<void> {
    try {
      const fw = await client.getById<any>("firewalls", "firewall", id);
      if (!fw) return;
      await changeTargets(client, id, (fw.applied_to ?? []).map(fromApiTarget), []);
      // A server may still hold the firewall for a moment after the detach action.
      for (let attempt = 0; ; attempt++) {
        try {
          await client.request("DELETE", `/firewalls/${id}`);
          return;
        } catch (err) {
          if (!(err instanceof HcloudError && err.code === "resource_in_use") || attempt >= 10) throw err;
          await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
        }
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
};
