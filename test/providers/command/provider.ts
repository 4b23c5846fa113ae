// `command:remote:Command` as pulumi-command v1.2.1 serves it (provider-schemas.md section 5):
// create runs `create` (nothing in preview: the engine skips Create for a provider without
// preview support), an input change runs `update` or else `create` again, a `triggers` change
// replaces, delete runs the old state's `delete`. Outputs are the inputs plus stdout and stderr,
// and the connection stays a secret.
import { randomBytes } from "node:crypto";
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "@pulumi/pulumi/provider/index.js";
import { isSecret, isUnknown, reveal, secret, urnName, type Props } from "../bridge.ts";
import type { EngineLog } from "../engine-log.ts";
import type { StandIn } from "../serve.ts";
import { dial, type Connection, type Endpoint } from "./dial.ts";
import { LineSplitter } from "./lines.ts";
import { runSession, type EnvVar, type SessionResult } from "./session.ts";

export const VERSION = "1.2.1";
const TYPE = "command:remote:Command";
const INPUTS = ["connection", "create", "update", "delete", "environment", "stdin", "triggers", "addPreviousOutputInEnv", "logging"];

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(reveal(a))) === JSON.stringify(canonical(reveal(b)));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Props)[k])]));
  }
  return v;
}

/** Fills the schema defaults the official provider applies in Check, keeping secretness. */
function withConnectionDefaults(conn: unknown): unknown {
  const fill = (c: Props): Props => ({ ...c, user: c.user ?? "root", port: c.port ?? 22, dialErrorLimit: c.dialErrorLimit ?? 10, perDialTimeout: c.perDialTimeout ?? 15 });
  if (isSecret(conn)) return { ...conn, value: typeof conn.value === "object" && conn.value ? fill(conn.value as Props) : conn.value };
  return typeof conn === "object" && conn ? fill(conn as Props) : conn;
}

function endpoint(c: Props): Endpoint {
  return {
    host: String(c.host),
    port: Number(c.port ?? 22),
    user: c.user ?? "root",
    password: c.password,
    privateKey: c.privateKey,
    privateKeyPassword: c.privateKeyPassword,
    agentSocketPath: c.agentSocketPath,
    hostKey: c.hostKey,
    dialErrorLimit: c.dialErrorLimit ?? 10,
    perDialTimeout: c.perDialTimeout ?? 15,
  };
}

function connectionOf(props: Props): Connection {
  const c = reveal(props.connection) as Props;
  return { ...endpoint(c), proxy: c.proxy ? endpoint(c.proxy) : undefined };
}

export function commandProvider(engine: EngineLog): StandIn {
  // Cancel is the engine shutting the plugin down: pending dial retries stop with Go's wording.
  const cancelled = new AbortController();

  /** Runs `cmd` for the resource `urn` with `state`'s connection, environment, stdin and previous output. */
  async function run(urn: string, cmd: string, state: Props): Promise<SessionResult> {
    const s = reveal(state) as Props;
    const log = (severity: "info" | "warning" | "error", message: string, ephemeral: boolean) => engine.log(urn, severity, message, ephemeral);
    const logStdout = s.logging === undefined || s.logging === "stdout" || s.logging === "stdoutAndStderr";
    const logStderr = s.logging === undefined || s.logging === "stderr" || s.logging === "stdoutAndStderr";
    const lines = new LineSplitter((line) => log("info", line, true));
    const env: EnvVar[] = Object.entries((s.environment ?? {}) as Record<string, string>).map(([name, value]) => ({ name, value: String(value) }));
    if (s.addPreviousOutputInEnv !== false) {
      if (s.stdout) env.push({ name: "PULUMI_COMMAND_STDOUT", value: s.stdout, optional: true });
      if (s.stderr) env.push({ name: "PULUMI_COMMAND_STDERR", value: s.stderr, optional: true });
    }
    try {
      const client = await dial(connectionOf(state), { signal: cancelled.signal, status: (m) => log("info", m, true) });
      try {
        return await runSession(client, {
          command: cmd,
          env,
          stdin: s.stdin,
          onOutput: (chunk, stream) => {
            if (stream === "stdout" ? logStdout : logStderr) lines.push(chunk);
          },
          onEnvRefused: (v) =>
            log(
              v.optional ? "warning" : "error",
              `Unable to set '${v.name}'. This only works if your SSH server is configured to accept\n\tthese variables via AcceptEnv. Alternatively, if a Bash-like shell runs the command on the remote host, you could\n\tprefix the command itself with the variables in the form 'VAR=value command'`,
              false,
            ),
        });
      } finally {
        client.end();
      }
    } finally {
      lines.end();
      await engine.flush();
    }
  }

  function mustBeCommand(urn: string): void {
    const type = urn.split("::")[2];
    if (type !== TYPE) throw new Error(`unknown resource type '${type}'`);
  }

  return {
    version: VERSION,

    async cancel(): Promise<void> {
      cancelled.abort();
    },

    async check(urn: string, _olds: Props, news: Props): Promise<CheckResult> {
      mustBeCommand(urn);
      const inputs: Props = { ...news };
      inputs.addPreviousOutputInEnv ??= true;
      const failures: { property: string; reason: string }[] = [];
      // UNVERIFIED: pulumi-go-provider's exact wording for a missing required field.
      if (inputs.connection === undefined) failures.push({ property: "connection", reason: "Missing required field 'connection'" });
      else if (!isUnknown(inputs.connection) && reveal(inputs.connection)?.host === undefined) {
        failures.push({ property: "connection.host", reason: "Missing required field 'host'" });
      }
      if (inputs.connection !== undefined) inputs.connection = withConnectionDefaults(inputs.connection);
      return { inputs, failures };
    },

    async diff(_id: string, urn: string, olds: Props, news: Props): Promise<DiffResult> {
      mustBeCommand(urn);
      const changed = INPUTS.filter((k) => isUnknown(news[k]) || !same(olds[k], news[k]));
      return { changes: changed.length > 0, replaces: changed.includes("triggers") ? ["triggers"] : [], deleteBeforeReplace: false };
    },

    async create(urn: string, inputs: Props): Promise<CreateResult> {
      mustBeCommand(urn);
      const name = urnName(urn);
      const id = name + randomBytes(4).toString("hex");
      const outs: Props = { ...inputs, connection: secret(inputs.connection), stdout: "", stderr: "" };
      if (typeof reveal(inputs.create) === "string") Object.assign(outs, await run(urn, reveal(inputs.create), outs));
      return { id, outs };
    },

    async update(_id: string, urn: string, olds: Props, news: Props): Promise<UpdateResult> {
      mustBeCommand(urn);
      const outs: Props = { ...news, connection: secret(news.connection), stdout: olds.stdout ?? "", stderr: olds.stderr ?? "" };
      const cmd = reveal(news.update) ?? reveal(news.create);
      if (typeof cmd === "string") Object.assign(outs, await run(urn, cmd, outs));
      return { outs };
    },

    async delete(_id: string, urn: string, props: Props): Promise<void> {
      mustBeCommand(urn);
      const cmd = reveal(props.delete);
      if (typeof cmd === "string") await run(urn, cmd, props);
    },

    // The official provider makes no SSH call on refresh: the state stays as it is.
    async read(id: string, urn: string, props: Props): Promise<ReadResult> {
      mustBeCommand(urn);
      return { id, props, inputs: Object.fromEntries(INPUTS.filter((k) => k in props).map((k) => [k, props[k]])) };
    },
  };
}
