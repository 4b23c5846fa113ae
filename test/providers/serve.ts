// Serves a stand-in provider plugin to the Pulumi engine with `@pulumi/pulumi/provider`'s main().
//
// That server answers Configure without looking at the request and drops Check's random seed, but
// a stand-in needs both: the provider config (token, endpoint, poll interval) and the seed that
// bridged providers use to autoname deterministically between preview and up. main() builds its
// service object internally, so the service is wrapped as it is registered with gRPC.
import { createRequire } from "node:module";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Provider } from "@pulumi/pulumi/provider/index.js";

const require = createRequire(import.meta.url);

/** Provider config as the engine sent it: keys without the package prefix (`token`, `endpoint`). */
export type ProviderConfig = Record<string, string>;

export interface StandIn extends Provider {
  /** Called with the provider's configuration before any resource call. */
  configure?(config: ProviderConfig): void | Promise<void>;
}

const seedStore = new AsyncLocalStorage<Buffer>();

/** The engine's random seed for the Check call in progress (empty outside Check). */
export function checkSeed(): Buffer {
  return seedStore.getStore() ?? Buffer.alloc(0);
}

type Call = { request: any };
type Callback = (err: unknown, value?: unknown) => void;

/** Starts serving `provider` for the engine (the plugin's process entry point). */
export async function serve(pkg: string, provider: StandIn, args = process.argv.slice(2)): Promise<void> {
  const grpcPath = require.resolve("@grpc/grpc-js", { paths: [require.resolve("@pulumi/pulumi")] });
  const grpc = require(grpcPath) as typeof import("@grpc/grpc-js");
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service: any, impl: any) {
    if (typeof impl?.configure === "function" && typeof impl?.check === "function") {
      impl.configure = (call: Call, callback: Callback) => {
        const config: ProviderConfig = {};
        const prefix = `${pkg}:`;
        for (const [key, value] of call.request.getVariablesMap().entries() as Iterable<[string, string]>) {
          const short = key.startsWith(prefix) ? key.slice(prefix.length) : key;
          // Config keys arrive as `pkg:config:key` from older engines.
          config[short.replace(/^config:/, "")] = value;
        }
        // Through then(): a configure() that throws synchronously must fail the same way.
        Promise.resolve()
          .then(() => provider.configure?.(config))
          .then(
          () => {
            const { ConfigureResponse } = require(require.resolve("@pulumi/pulumi/proto/provider_pb.js"));
            const resp = new ConfigureResponse();
            resp.setAcceptsecrets(true);
            resp.setAcceptresources(true);
            resp.setAcceptoutputs(true);
            callback(undefined, resp);
          },
          (err: Error) => callback({ code: grpc.status.UNKNOWN, details: err.message, message: err.message }),
        );
      };
      const check = impl.check.bind(impl);
      impl.check = (call: Call, callback: Callback) => {
        const seed = Buffer.from(call.request.getRandomseed_asU8?.() ?? []);
        return seedStore.run(seed, () => check(call, callback));
      };
    }
    return addService.call(this, service, impl);
  };
  const { main } = require("@pulumi/pulumi/provider/index.js") as typeof import("@pulumi/pulumi/provider/index.js");
  await main(provider, args);
}

/**
 * An error for a resource that was created but failed afterwards: the engine keeps `id` and
 * `properties` in state (so a later destroy can delete it) and reports `message`.
 */
export class ResourceInitError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[] = [message],
  ) {
    super(message);
    this.name = "ResourceInitError";
  }
}
