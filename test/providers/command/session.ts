// Runs one command in an SSH session the way golang.org/x/crypto/ssh's Session does for
// pulumi-command: each environment variable is a Setenv request that must be acknowledged before
// the command starts, stdin is sent and closed, stdout and stderr are captured separately and
// interleaved, and a failure reads `Process exited with status N: running "<cmd>":\n<output>`.
import type { Client, ClientChannel } from "ssh2";

export interface EnvVar {
  name: string;
  value: string;
  /** A refused optional variable only warns (PULUMI_COMMAND_STDOUT/STDERR); a refused required one fails. */
  optional?: boolean;
}

export interface SessionSpec {
  command: string;
  env: EnvVar[];
  stdin?: string;
  /** Each chunk of output, stdout and stderr as they arrive (for the engine log). */
  onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void;
  /** A refused Setenv, before the run fails (required) or goes on (optional). */
  onEnvRefused?: (v: EnvVar) => void;
}

/** A variable the server would not set: `could not set environment variable "K": ssh: setenv failed`. */
export class SetenvError extends Error {
  override name = "SetenvError";
  constructor(readonly variable: string) {
    super(`could not set environment variable ${goQuote(variable)}: ssh: setenv failed`);
  }
}

/** The command failed or the session broke; the message is the official one. */
export class RemoteCommandError extends Error {
  override name = "RemoteCommandError";
}

export interface SessionResult {
  stdout: string;
  stderr: string;
}

export function runSession(client: Client, spec: SessionSpec): Promise<SessionResult> {
  return new Promise((resolve, reject) => {
    // Listeners go on in the exec callback itself: a quick command's output, exit status and
    // close can arrive in the very packet batch that acknowledges the exec.
    execAfterSetenv(client, spec, (err, stream) => {
      if (err) return reject(err);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const combined: Buffer[] = [];
      stream.on("data", (d: Buffer) => {
        stdout.push(d);
        combined.push(d);
        spec.onOutput?.(d, "stdout");
      });
      stream.stderr.on("data", (d: Buffer) => {
        stderr.push(d);
        combined.push(d);
        spec.onOutput?.(d, "stderr");
      });
      // ssh2 repeats the exit status (or signal) as the arguments of 'close'.
      stream.once("close", (code?: number | null, signal?: string, _core?: boolean, description?: string) => {
        const status = exitText(code, signal?.replace(/^SIG/, ""), description);
        if (status) {
          reject(new RemoteCommandError(`${status}: running ${goQuote(spec.command)}:\n${Buffer.concat(combined).toString()}`));
        } else {
          resolve({ stdout: trimOneNewline(Buffer.concat(stdout).toString()), stderr: trimOneNewline(Buffer.concat(stderr).toString()) });
        }
      });
      // Go sends stdin (when there is any) and then EOF, so a command reading stdin never waits forever.
      stream.end(spec.stdin ? spec.stdin : undefined);
    });
  });
}

function trimOneNewline(s: string): string {
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

// Go's Waitmsg numbers a signal as 128 + its number.
const SIGNALS: Record<string, number> = {
  ABRT: 6, ALRM: 14, FPE: 8, HUP: 1, ILL: 4, INT: 2, KILL: 9, PIPE: 13, QUIT: 3, SEGV: 11, TERM: 15, USR1: 10, USR2: 12,
};

/** Go's ExitError / ExitMissingError text, or undefined for a clean exit. */
function exitText(code: number | null | undefined, signal?: string, description?: string): string | undefined {
  if (typeof code === "number") return code === 0 ? undefined : `Process exited with status ${code}`;
  if (!signal) return "wait: remote command exited without exit status or exit signal";
  let text = `Process exited with status ${128 + (SIGNALS[signal] ?? 0)} from signal ${signal}`;
  if (description) text += `. Reason was: ${description}`;
  return text;
}

/** Go's %q (strconv.Quote): the command as it appears in the official error text. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xad) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

// ssh2 sends exec's environment without asking for replies, so a refused variable would pass
// unnoticed and the command would run without it. Go asks, and fails before the command starts.
// ssh2 has no public way to open a bare session channel, so its exec request is held back here
// until every Setenv on that channel has been answered.
interface ChannelInternals {
  outgoing: { id: number };
  _callbacks: Array<(failed: boolean | Error) => void>;
  close(): void;
}
interface ClientInternals {
  _protocol: { env(id: number, k: string, v: string, wantReply: boolean): void; exec(id: number, cmd: string, wantReply: boolean): void };
  _chanMgr: { _channels: Record<number, unknown> };
}

function execAfterSetenv(client: Client, spec: SessionSpec, then: (err: Error | undefined, stream: ClientChannel) => void): void {
  const internals = client as unknown as ClientInternals;
  const proto = internals._protocol;
  if (typeof proto?.exec !== "function" || typeof proto.env !== "function" || !internals._chanMgr?._channels) {
    throw new Error("ssh2's internals changed: cannot hold exec back until Setenv is acknowledged (test/providers/command/session.ts)");
  }
  const sendExec = proto.exec.bind(proto);
  const sendEnv = proto.env.bind(proto);
  proto.exec = (remoteId, command, wantReply) => {
    proto.exec = sendExec;
    const chan = Object.values(internals._chanMgr._channels).find(
      (c): c is ChannelInternals => typeof c === "object" && c !== null && (c as ChannelInternals).outgoing?.id === remoteId,
    );
    if (!chan) throw new Error("ssh2's internals changed: exec on an unknown channel");
    const execReply = chan._callbacks.pop()!;
    let refused: EnvVar | undefined;
    let pending = spec.env.length;
    const proceed = () => {
      if (refused) {
        execReply(new SetenvError(refused.name));
        chan.close();
        return;
      }
      chan._callbacks.push(execReply);
      sendExec(remoteId, command, wantReply);
    };
    if (pending === 0) return proceed();
    for (const v of spec.env) {
      chan._callbacks.push((failed) => {
        if (failed) {
          spec.onEnvRefused?.(v);
          if (!v.optional) refused ??= v;
        }
        if (--pending === 0) proceed();
      });
      sendEnv(remoteId, v.name, v.value, true);
    }
  };
  client.exec(spec.command, (err, stream) => {
    then(err && !(err instanceof SetenvError) ? new RemoteCommandError(err.message) : err, stream);
  });
}
