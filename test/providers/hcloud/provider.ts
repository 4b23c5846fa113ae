// The hcloud stand-in: dispatches the engine's calls to the resource it names, with the provider
// config, secrets handled as the bridge does, and errors worded as the official plugin words them.
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "@pulumi/pulumi/provider/index.js";
import { ResourceInitError, type ProviderConfig, type StandIn } from "../serve.ts";
import { reveal, secretKeys, urnType, wrapSecrets, type Props } from "../bridge.ts";
import { HcloudClient } from "./client.ts";
import { readConfig, type HcloudConfig } from "./config.ts";
import { frameworkError, ProviderError, sdkError } from "./errors.ts";
import { firewall, FIREWALL_TYPE } from "./firewall.ts";
import { server, SERVER_TYPE } from "./server.ts";
import { sshKey, SSH_KEY_TYPE } from "./ssh-key.ts";

export const VERSION = "1.41.0";

interface Handlers {
  check(urn: string, olds: Props, news: Props): CheckResult;
  diff(olds: Props, news: Props): DiffResult;
  create(client: HcloudClient, urn: string, inputs: Props): Promise<CreateResult>;
  read(client: HcloudClient, id: string, state: Props): Promise<ReadResult>;
  update(client: HcloudClient, id: string, olds: Props, news: Props): Promise<UpdateResult>;
  delete(client: HcloudClient, id: string, state: Props): Promise<void>;
}

/** Each resource with how its failures are worded: SDKv2 resources by the bridge, Plugin Framework ones by their diagnostics. */
const RESOURCES: Record<string, { handlers: Handlers; framework: boolean }> = {
  [SERVER_TYPE]: { handlers: server, framework: false },
  [FIREWALL_TYPE]: { handlers: firewall, framework: false },
  [SSH_KEY_TYPE]: { handlers: sshKey, framework: true },
};

export class HcloudStandIn implements StandIn {
  readonly version = VERSION;
  #config?: HcloudConfig;

  // Async so that a bad config rejects, which serve() reports, instead of throwing inside the gRPC handler.
  async configure(config: ProviderConfig): Promise<void> {
    this.#config = readConfig(config);
  }

  #resource(urn: string) {
    const r = RESOURCES[urnType(urn)];
    if (!r) throw new ProviderError(`unrecognized resource type: ${urnType(urn)} (the hcloud stand-in serves ${Object.keys(RESOURCES).join(", ")})`);
    return r;
  }

  #client(): HcloudClient {
    if (!this.#config) this.#config = readConfig({});
    return new HcloudClient(this.#config);
  }

  /** Runs an operation with the bridge's error wording; `verb` prefixes SDKv2 errors (`refreshing <urn>: …`). */
  async #run<T>(urn: string, verb: string, fn: (h: Handlers) => Promise<T>): Promise<T> {
    const r = this.#resource(urn);
    try {
      return await fn(r.handlers);
    } catch (err) {
      if (err instanceof ResourceInitError) throw err;
      throw r.framework ? frameworkError(err) : sdkError(err, verb ? `${verb} ${urn}: ` : "");
    }
  }

  async check(urn: string, olds: Props, news: Props): Promise<CheckResult> {
    const result = this.#resource(urn).handlers.check(urn, reveal(olds ?? {}), reveal(news ?? {}));
    return { ...result, inputs: wrapSecrets(result.inputs, secretKeys(news)) };
  }

  async diff(_id: string, urn: string, olds: Props, news: Props): Promise<DiffResult> {
    return this.#resource(urn).handlers.diff(reveal(olds ?? {}), reveal(news ?? {}));
  }

  create(urn: string, inputs: Props): Promise<CreateResult> {
    const secrets = secretKeys(inputs);
    return this.#run(urn, "", async (h) => {
      try {
        const res = await h.create(this.#client(), urn, reveal(inputs ?? {}));
        return { id: res.id, outs: wrapSecrets(res.outs, secrets) };
      } catch (err) {
        if (err instanceof ResourceInitError) throw new ResourceInitError(err.message, err.id, wrapSecrets(err.properties, secrets), err.reasons);
        throw err;
      }
    });
  }

  read(id: string, urn: string, props: Props): Promise<ReadResult> {
    const secrets = secretKeys(props);
    return this.#run(urn, "refreshing", async (h) => {
      const res = await h.read(this.#client(), id, reveal(props ?? {}));
      if (!res.id) return { id: "", props: {} };
      return { id: res.id, props: wrapSecrets(res.props, secrets), inputs: res.inputs && wrapSecrets(res.inputs, secrets) };
    });
  }

  update(id: string, urn: string, olds: Props, news: Props): Promise<UpdateResult> {
    const secrets = [...new Set([...secretKeys(olds), ...secretKeys(news)])];
    return this.#run(urn, "updating", async (h) => {
      const res = await h.update(this.#client(), id, reveal(olds ?? {}), reveal(news ?? {}));
      return { outs: wrapSecrets(res.outs, secrets) };
    });
  }

  delete(id: string, urn: string, props: Props): Promise<void> {
    return this.#run(urn, "deleting", (h) => h.delete(this.#client(), id, reveal(props ?? {})));
  }
}
