// Opens the SSH connection of a `command:remote:Command` the way pulumi-command v1.x does with
// golang.org/x/crypto/ssh: a TCP dial bounded by perDialTimeout, an unbounded handshake, "none"
// auth first and then each configured method the server still offers, an optional pinned host
// key, and retries with the SDK's backoff (100 ms × 1.5, at most 5 s) until dialErrorLimit.
// Error texts are Go's, because operators and Hoist's error mapping read them.
import fs from "node:fs";
import net from "node:net";
import ssh2 from "ssh2";
import type { AnyAuthMethod, Client, ClientChannel, ParsedKey } from "ssh2";

// ssh2 is CommonJS: its named exports are not visible to an ES module import.
const { utils } = ssh2;

export interface Endpoint {
  host: string;
  port: number;
  user: string;
  password?: string;
  privateKey?: string;
  privateKeyPassword?: string;
  agentSocketPath?: string;
  /** An authorized_keys-style line (`ssh-ed25519 AAAA…`); when set, any other host key is refused. */
  hostKey?: string;
  /** Dial errors tolerated before giving up; -1 = unlimited. */
  dialErrorLimit: number;
  /** Seconds for each TCP dial; 0 = no limit. */
  perDialTimeout: number;
}

export interface Connection extends Endpoint {
  proxy?: Endpoint;
}

/** A dial failed: Go's wording, e.g. `after 3 failed attempts: dial tcp 127.0.1.9:22: connect: connection refused`. */
export class DialError extends Error {
  override name = "DialError";
}

/** The key or connection settings are unusable; nothing was dialled. */
export class ConnectionConfigError extends Error {
  override name = "ConnectionConfigError";
}

export interface DialOptions {
  signal: AbortSignal;
  /** Ephemeral status lines (`Dial 1/10 failed: retrying`). */
  status: (message: string) => void;
}

/** An authenticated SSH client for `conn`, through its proxy when one is set. */
export async function dial(conn: Connection, opts: DialOptions): Promise<Client> {
  const target = credentials(conn);
  if (!conn.proxy) {
    return retry("Dial", conn.dialErrorLimit, opts, async () => handshake(await tcpDial(conn), target));
  }
  const via = conn.proxy;
  const proxyCreds = await prefixed(() => credentials(via));
  const proxy = await prefixed(() => retry("Dial proxy", via.dialErrorLimit, opts, async () => handshake(await tcpDial(via), proxyCreds)));
  try {
    const tunnel = await prefixed(() => retry("Dial from proxy", conn.dialErrorLimit, opts, () => forward(proxy, conn)));
    const client = await prefixed(() => retry("Dial", conn.dialErrorLimit, opts, () => handshake(tunnel, target)));
    client.once("close", () => proxy.end());
    return client;
  } catch (err) {
    proxy.end();
    throw err;
  }
}

interface Credentials {
  user: string;
  methods: Method[];
  /** The pinned host key blob, if any. */
  hostKey?: Buffer;
}

/** Everything Go checks before dialling (keys, agent, host key): failures here are not retried. */
function credentials(ep: Endpoint): Credentials {
  return { user: ep.user, methods: authMethods(ep), hostKey: ep.hostKey === undefined ? undefined : hostKeyBlob(ep.hostKey) };
}

async function prefixed<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof Error) err.message = `proxy: ${err.message}`;
    throw err;
  }
}

async function retry<T>(what: string, limit: number, opts: DialOptions, attempt: () => Promise<T>): Promise<T> {
  let delay = 100;
  for (let tries = 0; ; tries++) {
    if (opts.signal.aborted) throw new DialError("context canceled");
    try {
      return await attempt();
    } catch (err) {
      const dials = tries + 1;
      // Go reports `try` (one less than the dials made), so the wording is kept as is.
      if (limit > -1 && dials > limit) throw new DialError(`after ${tries} failed attempts: ${(err as Error).message}`);
      opts.status(`${what} ${dials}/${limit === -1 ? "inf" : limit} failed: retrying`);
    }
    await sleep(Math.min(delay, 5000), opts.signal);
    delay *= 1.5;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

// Go's syscall error texts for the failures a TCP dial can meet.
const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network is unreachable",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset by peer",
  EADDRNOTAVAIL: "cannot assign requested address",
};

function tcpDial(ep: Endpoint): Promise<net.Socket> {
  const addr = joinHostPort(ep.host, ep.port);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: ep.host, port: ep.port });
    const timer = ep.perDialTimeout > 0 ? setTimeout(() => fail(`dial tcp ${addr}: i/o timeout`), ep.perDialTimeout * 1000) : undefined;
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.removeAllListeners("error");
      resolve(sock);
    });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOTFOUND" || err.code === "EAI_AGAIN") fail(`dial tcp: lookup ${ep.host}: no such host`);
      else fail(`dial tcp ${addr}: connect: ${ERRNO_TEXT[err.code ?? ""] ?? err.message}`);
    });
    function fail(message: string) {
      clearTimeout(timer);
      sock.destroy();
      reject(new DialError(message));
    }
  });
}

function forward(proxy: Client, ep: Endpoint): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    proxy.forwardOut("127.0.0.1", 0, ep.host, ep.port, (err, channel) => {
      if (err) reject(new DialError(`ssh: rejected: connect failed (${err.message})`));
      else resolve(channel);
    });
  });
}

interface Method {
  /** The SSH method name, as the server lists it and Go records it as tried. */
  name: "publickey" | "password" | "keyboard-interactive";
  auth: AnyAuthMethod;
}

/** Go's order: the private key, then the password (twice: password and keyboard-interactive), then the agent. */
function authMethods(ep: Endpoint): Method[] {
  const username = ep.user;
  const methods: Method[] = [];
  if (ep.privateKey !== undefined) {
    methods.push({ name: "publickey", auth: { type: "publickey", username, key: parsePrivateKey(ep.privateKey, ep.privateKeyPassword) } });
  }
  if (ep.password !== undefined) {
    const password = ep.password;
    methods.push({ name: "password", auth: { type: "password", username, password } });
    methods.push({
      name: "keyboard-interactive",
      auth: { type: "keyboard-interactive", username, prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)) },
    });
  }
  const agent = ep.agentSocketPath ?? process.env.SSH_AUTH_SOCK;
  if (agent) {
    // Go dials the agent while building the config; a dead socket is a config error, not a retry.
    if (!isSocket(agent)) throw new ConnectionConfigError(`dial unix ${agent}: connect: no such file or directory`);
    methods.push({ name: "publickey", auth: { type: "agent", username, agent } });
  }
  return methods;
}

function isSocket(file: string): boolean {
  try {
    return fs.statSync(file).isSocket();
  } catch {
    return false;
  }
}

/** Go's ssh.ParsePrivateKey[WithPassphrase] outcomes, in its words. */
export function parsePrivateKey(key: string, passphrase?: string): ParsedKey {
  const plain = utils.parseKey(key);
  if (!(plain instanceof Error)) {
    if (passphrase !== undefined) throw new ConnectionConfigError("ssh: key is not password protected");
    return plain;
  }
  if (/no passphrase given/.test(plain.message)) {
    if (passphrase === undefined) throw new ConnectionConfigError("ssh: this private key is passphrase protected");
    const decrypted = utils.parseKey(key, passphrase);
    if (decrypted instanceof Error) throw new ConnectionConfigError("x509: decryption password incorrect");
    return decrypted;
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new ConnectionConfigError("ssh: no key found");
  throw new ConnectionConfigError(`ssh: ${plain.message}`);
}

/** The key blob of an authorized_keys-style line. UNVERIFIED: the official wording for an unparsable hostKey. */
function hostKeyBlob(line: string): Buffer {
  const parsed = utils.parseKey(line.trim());
  if (parsed instanceof Error) throw new ConnectionConfigError("ssh: no key found");
  return parsed.getPublicSSH();
}

function handshake(sock: net.Socket | ClientChannel, creds: Credentials): Promise<Client> {
  const { user, methods, hostKey: pinned } = creds;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const tried: string[] = [];
    let current: string | undefined;
    let reason: string | undefined;
    client.once("ready", () => {
      client.removeAllListeners("error");
      // A dropped connection must never become an unhandled 'error' event in the plugin.
      client.on("error", () => {});
      resolve(client);
    });
    client.once("error", (err) => {
      client.end();
      const text =
        reason ??
        (/Connection lost before handshake/.test(err.message) ? "EOF" : err.message);
      reject(new DialError(`ssh: handshake failed: ${text}`));
    });
    // A connection closed mid-handshake may end without an 'error'.
    client.once("close", () => reject(new DialError(`ssh: handshake failed: ${reason ?? "EOF"}`)));
    client.connect({
      sock,
      username: user,
      readyTimeout: 0,
      hostVerifier: (key: Buffer) => {
        if (!pinned || key.equals(pinned)) return true;
        reason = "ssh: host key mismatch";
        return false;
      },
      authHandler: (methodsLeft, _partial, next) => {
        if (current !== undefined && !tried.includes(current)) tried.push(current);
        if (!methodsLeft) {
          current = "none";
          return next({ type: "none", username: user });
        }
        const m = methods.find((m) => !tried.includes(m.name) && methodsLeft.includes(m.name));
        if (!m) {
          reason = `ssh: unable to authenticate, attempted methods [${tried.join(" ")}], no supported methods remain`;
          return next(false as unknown as AnyAuthMethod);
        }
        current = m.name;
        return next(m.auth);
      },
    });
  });
}
