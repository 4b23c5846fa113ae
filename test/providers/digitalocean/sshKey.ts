// digitalocean:index/sshKey:SshKey, after terraform-provider-digitalocean's resource_ssh_key.go.
import { reseal, reveal, type Field } from "../bridge.ts";
import { checkInputs, diffFields, initFailed, ProviderError, type ResourceHandler } from "./bridge.ts";
import { GodoError, type GodoClient } from "./godo.ts";
import { waitForState } from "./wait.ts";

interface ApiKey {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
}

const FIELDS: Record<string, Field> = {
  name: {},
  // Whitespace around the key is not a change (keys read from files end with a newline).
  publicKey: { replace: true, norm: (v) => (typeof v === "string" ? v.trim() : "") },
};

// Upstream retries the confirming read on 404 for up to two minutes (a new key can take a moment
// to become readable).
const READ_RETRY_MS = 120_000;
const READ_RETRY_EVERY_MS = 2_000;

export function sshKeyResource(api: () => GodoClient): ResourceHandler {
  const state = (k: ApiKey) => ({ id: String(k.id), name: k.name, publicKey: k.public_key, fingerprint: k.fingerprint });
  const get = (id: string) => api().get<{ ssh_key: ApiKey }>(`v2/account/keys/${id}`);

  return {
    async check(urn, olds, news) {
      return checkInputs(urn, olds, news, FIELDS, ["publicKey"]);
    },

    async diff(_id, _urn, olds, news) {
      return diffFields(FIELDS, olds, news);
    },

    async create(urn, raw) {
      const inputs = reveal(raw);
      let key: ApiKey;
      try {
        key = (await api().post<{ ssh_key: ApiKey }>("v2/account/keys", { name: inputs.name, public_key: inputs.publicKey })).ssh_key;
      } catch (err) {
        throw new ProviderError(`Error creating SSH Key: ${(err as Error).message}`);
      }
      const id = String(key.id);
      try {
        const confirmed = await waitForState<ApiKey>({
          delayMs: 0,
          minTimeoutMs: READ_RETRY_EVERY_MS,
          timeoutMs: READ_RETRY_MS,
          pending: [],
          target: ["found"],
          notFoundChecks: Math.ceil(READ_RETRY_MS / READ_RETRY_EVERY_MS),
          refresh: async () => {
            try {
              return [(await get(id)).ssh_key, "found"];
            } catch (err) {
              if (err instanceof GodoError && err.status === 404) return [undefined, ""];
              throw err;
            }
          },
        });
        return { id, outs: reseal(raw, state(confirmed!)) };
      } catch (err) {
        throw initFailed(urn, `Error retrieving SSH key: ${(err as Error).message}`, id, reseal(raw, state(key)));
      }
    },

    async read(id, _urn, props) {
      try {
        return { id, props: reseal(props ?? {}, state((await get(id)).ssh_key)) };
      } catch (err) {
        if (err instanceof GodoError && err.status === 404) return { id: "", props: {} };
        throw new ProviderError(`Error retrieving SSH key: ${(err as Error).message}`);
      }
    },

    async update(id, _urn, _olds, news) {
      const inputs = reveal(news);
      try {
        await api().put(`v2/account/keys/${id}`, { name: inputs.name ?? "" });
      } catch (err) {
        throw new ProviderError(`Failed to update SSH key: ${(err as Error).message}`);
      }
      try {
        return { outs: reseal(news, state((await get(id)).ssh_key)) };
      } catch (err) {
        throw new ProviderError(`Error retrieving SSH key: ${(err as Error).message}`);
      }
    },

    async delete(id) {
      try {
        await api().delete(`v2/account/keys/${id}`);
      } catch (err) {
        throw new ProviderError(`Error deleting SSH key: ${(err as Error).message}`);
      }
    },
  };
}
