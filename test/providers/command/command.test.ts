// remote.Command from @pulumi/command, run by the real engine through the command stand-in
// against emulated servers (real sshd in a chroot each).
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import * as command from "@pulumi/command";
import type { EngineEvent, PulumiFn } from "@pulumi/pulumi/automation/index.js";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool, type Host } from "../../emulators/hosts.ts";
import { testStack } from "../../testbed/pulumi.ts";

const key = ssh2.utils.generateKeyPairSync("ed25519", { comment: "hoist-test" });
const strangerKey = ssh2.utils.generateKeyPairSync("ed25519", { comment: "stranger" });
let pool: HostPool;
let host: Host;
let other: Host;

beforeAll(async () => {
  pool = await HostPool.create();
  [host, other] = await Promise.all([pool.start("target", [key.public]), pool.start("other", [key.public])]);
});

afterAll(async () => {
  await pool?.close();
});

type CommandArgs = Omit<command.remote.CommandArgs, "connection">;
type ConnectionArgs = Partial<command.types.input.remote.ConnectionArgs>;

/** A program with one remote.Command named "cmd" on `target`, exporting its outputs. */
function program(target: Host, args: CommandArgs, connection: ConnectionArgs = {}): PulumiFn {
  return async () => {
    const cmd = new command.remote.Command("cmd", {
      connection: { host: target.address, privateKey: key.private, hostKey: target.hostPublicKey, ...connection },
      ...args,
    });
    return { stdout: cmd.stdout, stderr: cmd.stderr, connection: cmd.connection };
  };
}

/** The file at `file` (an absolute path on the emulated server) as seen from this machine. */
function onHost(h: Host, file: string): string {
  return path.join(h.rootDir, file);
}

describe("command:remote:Command", () => {
  it("runs create, update, replace and delete over SSH on that server only", async () => {
    const name = `hoist-${randomBytes(4).toString("hex")}`;
    const log = `/tmp/${name}.log`;
    const v1: CommandArgs = {
      create: `printf '%s' "$GREETING" > /tmp/${name}.txt; cat > /tmp/${name}.stdin; echo "create v1" >> ${log}; echo hello; echo oops >&2`,
      delete: `echo "delete $VERSION" >> ${log}`,
      environment: { GREETING: "hi there", VERSION: "v1" },
      stdin: "piped in\n",
    };
    const { stack, cleanup } = await testStack({ program: program(host, v1) });
    try {
      await stack.preview();
      expect(fs.existsSync(onHost(host, log)), "preview runs nothing").toBe(false);

      const logged: string[] = [];
      const onEvent = (e: EngineEvent) => {
        const d = e.diagnosticEvent;
        if (d?.severity === "info" && d.urn?.endsWith("::cmd")) logged.push(d.message.trim());
      };
      const up1 = await stack.up({ onEvent });
      expect(logged).toEqual(expect.arrayContaining(["hello", "oops"]));
      expect(up1.summary.resourceChanges?.create).toBe(2); // the stack and the command
      expect(fs.readFileSync(onHost(host, `/tmp/${name}.txt`), "utf8")).toBe("hi there");
      expect(fs.readFileSync(onHost(host, `/tmp/${name}.stdin`), "utf8")).toBe("piped in\n");
      expect(fs.existsSync(onHost(other, `/tmp/${name}.txt`))).toBe(false);
      expect(fs.existsSync(`/tmp/${name}.txt`)).toBe(false);
      expect(up1.outputs.stdout).toEqual({ value: "hello", secret: false });
      expect(up1.outputs.stderr).toEqual({ value: "oops", secret: false });
      expect(up1.outputs.connection?.secret).toBe(true);
      // Unchanged inputs are no change (secret connection and defaults included), and refresh,
      // which makes no SSH call, finds no drift.
      expect((await stack.preview()).changeSummary).toEqual({ same: 2 });
      expect((await stack.previewRefresh()).changeSummary).toEqual({ same: 2 });
      const state = await stack.exportStack();
      const resource = state.deployment.resources.find((r: { type: string }) => r.type === "command:remote:Command");
      expect(resource.id).toMatch(/^cmd[0-9a-f]{8}$/);

      // A changed create runs again as the update, with the previous output in its environment.
      // logging "none" keeps the output out of the engine's log, not out of the outputs.
      const v2: CommandArgs = {
        ...v1,
        create: `echo "create v2" >> ${log}; echo "previous=$PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR"`,
        environment: { VERSION: "v2" },
        logging: "none",
      };
      logged.length = 0;
      const up2 = await stack.up({ program: program(host, v2), onEvent });
      expect(logged.filter((l) => l.includes("previous="))).toEqual([]);
      expect(up2.summary.resourceChanges?.update).toBe(1);
      expect(up2.outputs.stdout?.value).toBe("previous=hello/oops");
      expect(up2.outputs.stderr?.value).toBe("");

      // Changed triggers replace: the new create runs first, then the old delete.
      const v3 = { ...v2, create: `echo "create v3" >> ${log}`, environment: { VERSION: "v3" }, triggers: ["rebuild"] };
      const up3 = await stack.up({ program: program(host, v3) });
      expect(up3.summary.resourceChanges?.replace).toBe(1);

      await stack.destroy();
      const lines = fs.readFileSync(onHost(host, log), "utf8").trim().split("\n");
      expect(lines).toEqual(["create v1", "create v2", "create v3", "delete v2", "delete v3"]);
    } finally {
      await cleanup();
    }
  });

  it("reaches a server through a proxy (bastion) host", async () => {
    const name = `/tmp/hoist-proxied-${randomBytes(4).toString("hex")}`;
    const viaOther = { proxy: { host: other.address, privateKey: key.private, hostKey: other.hostPublicKey } };
    const { stack, cleanup } = await testStack({ program: program(host, { create: `hostname > ${name}; echo done` }, viaOther) });
    try {
      const up = await stack.up();
      expect(up.outputs.stdout?.value).toBe("done");
      expect(fs.existsSync(onHost(host, name))).toBe(true);
      expect(fs.existsSync(onHost(other, name))).toBe(false);
    } finally {
      await cleanup();
    }
  });

  describe.concurrent("failures carry the official error text", () => {
    /** The error diagnostic the engine reported for the command, after `up` failed. */
    async function failedUp(args: CommandArgs, connection: ConnectionArgs = {}, target = host): Promise<string> {
      const { stack, cleanup } = await testStack({ program: program(target, args, connection) });
      const errors: string[] = [];
      try {
        const onEvent = (e: EngineEvent) => {
          const d = e.diagnosticEvent;
          if (d?.severity === "error" && d.urn?.endsWith("::cmd")) errors.push(d.message);
        };
        await expect(stack.up({ onEvent })).rejects.toThrow(/update failed/);
        expect(errors).toHaveLength(1);
        // The engine ends every diagnostic with a newline of its own.
        return errors[0]!.replace(/\n$/, "");
      } finally {
        await cleanup();
      }
    }

    it("a command exiting non-zero", async () => {
      const message = await failedUp({ create: `echo "half done"; echo broken >&2; exit 3` });
      expect(message).toBe(`Process exited with status 3: running "echo \\"half done\\"; echo broken >&2; exit 3":\nhalf done\nbroken\n`);
    });

    it("a server that is powered off, after the dial retries", async () => {
      const stopped = await pool.start(`off-${randomBytes(2).toString("hex")}`, [key.public]);
      await pool.stop(stopped.id);
      try {
        const message = await failedUp({ create: "true" }, { dialErrorLimit: 2, perDialTimeout: 1 }, stopped);
        expect(message).toBe(`after 2 failed attempts: dial tcp ${stopped.address}:22: connect: connection refused`);
      } finally {
        await pool.remove(stopped.id);
      }
    });

    it("a key the server does not accept", async () => {
      const message = await failedUp({ create: "true" }, { privateKey: strangerKey.private, dialErrorLimit: 1 });
      expect(message).toBe(
        "after 1 failed attempts: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
      );
    });

    it("a proxy that refuses the key, prefixed as the proxy's", async () => {
      const message = await failedUp({ create: "true" }, { proxy: { host: other.address, privateKey: strangerKey.private, dialErrorLimit: 0 } });
      expect(message).toBe(
        "proxy: after 0 failed attempts: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
      );
    });

    it("a host key other than the one pinned", async () => {
      const message = await failedUp({ create: "true" }, { hostKey: other.hostPublicKey, dialErrorLimit: 0 });
      expect(message).toBe("after 0 failed attempts: ssh: handshake failed: ssh: host key mismatch");
    });
  });
});
