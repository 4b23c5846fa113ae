// Starts and stops moto's server (the AWS API behind the EC2 front) for one emulator.
//
// One moto per emulator: its state is the emulated account, so sharing one between test files
// would leak instances and key pairs across them. Start-up is about half a second.
//
// A kept moto (`keep`) records every request into its folder and replays the recording when it
// starts again, seeded as before, so that the account comes back with the same ids (see
// moto_server.py). Its start-up then grows with the recording.
import { spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { motoAmis } from "./catalog.ts";

const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), "moto_server.py");

export class MotoStartError extends Error {
  override name = "MotoStartError";
}

export interface Moto {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Where a kept moto records the account's requests. */
export const RECORDING = "moto-recording.jsonl";

/**
 * Starts moto on a kernel-chosen port of 127.0.0.1, with the test bed's AMIs in `dir`; with
 * `keep`, restores the account recorded in `dir` and goes on recording.
 */
export async function startMoto(dir: string, opts: { keep?: boolean; python?: string } = {}): Promise<Moto> {
  const python = opts.python ?? process.env.HOIST_PYTHON ?? "python3";
  fs.mkdirSync(dir, { recursive: true });
  const amisPath = path.join(dir, "amis.json");
  fs.writeFileSync(amisPath, JSON.stringify(motoAmis()));
  const kept = opts.keep ? keptEnv(dir) : {};
  const replaying = opts.keep && fs.existsSync(path.join(dir, RECORDING));
  const proc = spawn(python, [LAUNCHER], {
    // stdin stays a pipe that is never written: its closing tells moto that this process is gone.
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      MOTO_AMIS_PATH: amisPath,
      MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION: "true",
      MOTO_ENABLE_KEYPAIR_VALIDATION: "true",
      MOTO_ENABLE_AMI_VALIDATION: "true",
      // Never the operator's real AWS keys in the emulator's process, whatever the environment holds.
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      PYTHONUNBUFFERED: "1",
      ...kept,
    },
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const limit = replaying ? 300 : 30;
    const timer = setTimeout(() => fail(new MotoStartError(`moto did not start within ${limit} s: ${stderr.trim()}`)), limit * 1000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(err);
    };
    proc.once("error", (err) => fail(new MotoStartError(`cannot run ${python}: ${err.message} (pip install 'moto[server]==5.2.1')`)));
    proc.once("exit", (code) => fail(new MotoStartError(`moto exited (${code}) before it listened: ${stderr.trim()}`)));
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) {
        clearTimeout(timer);
        proc.removeAllListeners("exit");
        proc.stdout!.off("data", onData).resume();
        resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    proc.stdout!.on("data", onData);
  });
  // A forgotten emulator must not keep its process alive; moto still ends with it (stdin closes).
  proc.unref();
  for (const pipe of [proc.stdin, proc.stdout, proc.stderr]) (pipe as unknown as { unref?: () => void }).unref?.();
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid!,
    stop: () => stopProcess(proc),
  };
}

/** The recording and the seed that makes its replay give the same ids (kept beside it). */
function keptEnv(dir: string): Record<string, string> {
  const seedFile = path.join(dir, "moto-seed");
  if (!fs.existsSync(seedFile)) fs.writeFileSync(seedFile, String(randomInt(1, 2 ** 31)));
  return {
    HOIST_MOTO_RECORDING: path.join(dir, RECORDING),
    HOIST_MOTO_SEED: fs.readFileSync(seedFile, "utf8").trim(),
    // Python randomises str hashes per process; set iteration order must not differ on replay.
    PYTHONHASHSEED: "0",
  };
}

function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}
