// Diagnostics from a plugin to the engine, as pulumi-go-provider's logger sends them (the command
// stand-in's output lines and dial retries, the aws stand-in's warnings). Messages go one at a
// time, in order, and an operation can flush them before it answers, so they appear before the
// resource's outcome.
import { createRequire } from "node:module";

export type Severity = "debug" | "info" | "warning" | "error";

export interface EngineLog {
  log(urn: string, severity: Severity, message: string, ephemeral?: boolean): void;
  /** Resolves once every message logged so far has been delivered (or dropped). */
  flush(): Promise<void>;
}

const SEVERITY: Record<Severity, number> = { debug: 0, info: 1, warning: 2, error: 3 };

/** A log to the engine whose address the plugin was started with; a no-op log without one. */
export function engineLog(args: string[]): EngineLog {
  const require = createRequire(import.meta.url);
  const pulumiDir = require.resolve("@pulumi/pulumi");
  const { parseArgs } = require(require.resolve("@pulumi/pulumi/provider/internals.js")) as {
    parseArgs(a: string[]): { engineAddress: string } | undefined;
  };
  const address = parseArgs(args)?.engineAddress;
  if (!address) return { log: () => {}, flush: async () => {} };

  // The same grpc-js and generated messages as the provider server, so the message classes match.
  const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof import("@grpc/grpc-js");
  const { EngineClient } = require(require.resolve("@pulumi/pulumi/proto/engine_grpc_pb.js"));
  const { LogRequest } = require(require.resolve("@pulumi/pulumi/proto/engine_pb.js"));
  let client: any;
  let queue = Promise.resolve();
  return {
    log(urn, severity, message, ephemeral = false) {
      client ??= new EngineClient(address, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 400 * 1024 * 1024 });
      const req = new LogRequest();
      req.setSeverity(SEVERITY[severity]);
      req.setMessage(message);
      req.setUrn(urn);
      req.setEphemeral(ephemeral);
      queue = queue.then(() => new Promise<void>((resolve) => client.log(req, () => resolve())));
    },
    flush: () => queue,
  };
}
