// hcloud:index/sshKey:SshKey, following terraform-provider-hcloud's Plugin Framework resource:
// the public key replaces on change, name and labels update in place, a key deleted elsewhere
// leaves the state, and deleting a key that is already gone succeeds.
import type { CreateResult, ReadResult, UpdateResult } from "@pulumi/pulumi/provider/index.js";
import { bridgeCheck, bridgeDiff, type Props, type Schema } from "../bridge.ts";
import type { HcloudClient } from "./client.ts";
import { isNotFound } from "./errors.ts";

export const SSH_KEY_TYPE = "hcloud:index/sshKey:SshKey";

export const sshKeySchema: Schema = {
  required: ["publicKey"],
  fields: {
    name: {},
    publicKey: { replace: true },
    labels: {},
  },
};

const state = (key: any): Props => ({ name: key.name, publicKey: key.public_key, fingerprint: key.fingerprint, labels: key.labels ?? {} });
const inputsOf = (s: Props): Props => ({ name: s.name, publicKey: s.publicKey, labels: s.labels });

export const sshKey = {
  check: (urn: string, olds: Props, news: Props) => bridgeCheck(sshKeySchema, urn, olds, news),
  diff: (olds: Props, news: Props) => bridgeDiff(sshKeySchema, olds, news),

  async create(client: HcloudClient, _urn: string, inputs: Props): Promise<CreateResult> {
    const res = await client.request("POST", "/ssh_keys", { body: { name: inputs.name, public_key: inputs.publicKey, labels: inputs.labels ?? {} } });
    return { id: String(res.ssh_key.id), outs: state(res.ssh_key) };
  },

  async read(client: HcloudClient, id: string): Promise<ReadResult> {
    const key = await client.getById<any>("ssh_keys", "ssh_key", id);
    if (!key) return { id: "", props: {} };
    const props = state(key);
    return { id, props, inputs: inputsOf(props) };
  },

  async update(client: HcloudClient, id: string, _olds: Props, news: Props): Promise<UpdateResult> {
    const res = await client.request("PUT", `/ssh_keys/${id}`, { body: { name: news.name, labels: news.labels ?? {} } });
    return { outs: state(res.ssh_key) };
  },

  async delete(client: HcloudClient, id: string): Promise<void> {
    try {
      await client.request("DELETE", `/ssh_keys/${id}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
};
