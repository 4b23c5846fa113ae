// The command stand-in's SSH layer against an in-process ssh2 server, for the server behaviours
// Debian's sshd in the test bed never shows: refused Setenv, commands killed by a signal, and
// servers that only offer public keys to a password.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";
import type { Connection as ServerConnection } from "ssh2";
import { dial, type Connection } from "./dial.ts";
import { goQuote, runSession, SetenvError, type EnvVar } from "./session.ts";

const hostKey = ssh2.utils.generateKeyPairSync("ed25519");
const userKey = ssh2.utils.generateKeyPairSync("ed25519");
const userPub = ssh2.utils.parseKey(userKey.public);

/** What the server saw of the last session. */
const seen = { env: [] as string[], execs: [] as string[] };
let server: ssh2.Server;
let port: number;

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client: ServerConnection) => {
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey" || userPub instanceof Error) return ctx.reject(["publickey"]);
      const sameKey = ctx.key.algo === userPub.type && ctx.key.data.equals(userPub.getPublicSSH());
      if (!sameKey) return ctx.reject(["publickey"]);
      if (!ctx.signature) return ctx.accept();
      return userPub.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (accept) => {
        const session = accept();
        seen.env = [];
        seen.execs = [];
        session.on("env", (ok, refuse, info) => {
          seen.env.push(info.key);
          if (info.key.startsWith("REFUSED") || info.key === "PULUMI_COMMAND_STDOUT") refuse?.();
          else ok?.();
        });
        session.on("exec", (ok, _refuse, info) => {
          seen.execs.push(info.command);
          const stream = ok();
          if (info.command === "die") {
            stream.stderr.write("dying\n");
            stream.exit("KILL", false, "out of memory");
          } else {
            stream.write(`ran ${info.command}\n`);
            stream.exit(0);
          }
          stream.end();
        });
      });
    });
    client.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function connection(extra: Partial<Connection> = {}): Connection {
  return { host: "127.0.0.1", port, user: "root", privateKey: userKey.private, dialErrorLimit: 0, perDialTimeout: 5, ...extra };
}

const opts = { signal: new AbortController().signal, status: () => {} };

async function run(command: string, env: EnvVar[], refused: EnvVar[] = []) {
  const client = await dial(connection(), opts);
  try {
    return await runSession(client, { command, env, onEnvRefused: (v) => refused.push(v) });
  } finally {
    client.end();
  }
}

describe("Setenv", () => {
  it("fails before the command starts when the server refuses a variable", async () => {
    const refused: EnvVar[] = [];
    const err = await run("touch /should-not-run", [{ name: "OK", value: "1" }, { name: "REFUSED_ONE", value: "2" }], refused).catch((e) => e);
    expect(err).toBeInstanceOf(SetenvError);
    expect(err.message).toBe('could not set environment variable "REFUSED_ONE": ssh: setenv failed');
    expect(refused.map((v) => v.name)).toEqual(["REFUSED_ONE"]);
    expect(seen.env).toEqual(["OK", "REFUSED_ONE"]);
    expect(seen.execs).toEqual([]);
  });

  it("only warns about a refused previous output and runs the command", async () => {
    const refused: EnvVar[] = [];
    const result = await run("work", [{ name: "OK", value: "1" }, { name: "PULUMI_COMMAND_STDOUT", value: "old", optional: true }], refused);
    expect(result).toEqual({ stdout: "ran work", stderr: "" });
    expect(refused.map((v) => v.name)).toEqual(["PULUMI_COMMAND_STDOUT"]);
    expect(seen.execs).toEqual(["work"]);
  });
});

describe("command outcome", () => {
  it("words a command killed by a signal as Go's Waitmsg does", async () => {
    await expect(run("die", [])).rejects.toThrow('Process exited with status 137 from signal KILL. Reason was: out of memory: running "die":\ndying\n');
  });

  it("quotes the command as Go's %q", () => {
    expect(goQuote('echo "a\\b"\n\ttab\x01é')).toBe('"echo \\"a\\\\b\\"\\n\\ttab\\x01é"');
  });
});

describe("dial", () => {
  it("names the methods it attempted when the server wants none of them", async () => {
    const conn = connection({ privateKey: undefined, password: "secret" });
    await expect(dial(conn, opts)).rejects.toThrow(
      "after 0 failed attempts: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none], no supported methods remain",
    );
  });

  it("refuses a passphrase-protected key without its passphrase, without dialling", async () => {
    const locked = ssh2.utils.generateKeyPairSync("ed25519", { passphrase: "pw", cipher: "aes256-ctr", rounds: 4 });
    const statuses: string[] = [];
    const conn = connection({ privateKey: locked.private, dialErrorLimit: 5 });
    await expect(dial(conn, { ...opts, status: (s) => statuses.push(s) })).rejects.toThrow(/^ssh: this private key is passphrase protected$/);
    expect(statuses).toEqual([]);
  });

  it("reports each retry and gives up after dialErrorLimit", async () => {
    const statuses: string[] = [];
    const conn = connection({ port: 1, dialErrorLimit: 2 });
    await expect(dial(conn, { ...opts, status: (s) => statuses.push(s) })).rejects.toThrow(
      "after 2 failed attempts: dial tcp 127.0.0.1:1: connect: connection refused",
    );
    expect(statuses).toEqual(["Dial 1/2 failed: retrying", "Dial 2/2 failed: retrying"]);
  });

  it("stops retrying when the engine cancels", async () => {
    const cancel = new AbortController();
    const conn = connection({ port: 1, dialErrorLimit: -1 });
    const statuses: string[] = [];
    setTimeout(() => cancel.abort(), 400);
    await expect(dial(conn, { signal: cancel.signal, status: (s) => statuses.push(s) })).rejects.toThrow(/^context canceled$/);
    expect(statuses[0]).toBe("Dial 1/inf failed: retrying");
  });
});
