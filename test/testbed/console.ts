// The console as `npm start` runs it (server/main.ts through tsx), in a child process with the
// test bed's environment. Its log lines go to a file; warnings and errors are echoed.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { descendants, eachLine, killHard } from "../../engine/processes.ts";

export interface ConsoleProcess {
  readonly pid: number;
  /** Stops the console (SIGTERM, then SIGKILL after a grace period) and everything below it. */
  stop(): Promise<void>;
}

export interface ConsoleOptions {
  repoDir: string;
  env: NodeJS.ProcessEnv;
  /** Where to poll until the pages answer. */
  url: string;
  logFile: string;
  /** Holds the pid, so that a console left by a killed test bed is stopped at the next start (stopStaleConsole). */
  pidFile: string;
  /** Each warning or error the console logs, in words. */
  onProblem(line: string): void;
}

export async function startConsole(opts: ConsoleOptions): Promise<ConsoleProcess> {
  const log = fs.createWriteStream(opts.logFile, { flags: "a" });
  const child = spawn(process.execPath, ["--import", "tsx", path.join(opts.repoDir, "server/main.ts")], {
    cwd: opts.repoDir,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  fs.writeFileSync(opts.pidFile, String(child.pid));
  let tail = "";
  const onLine = (line: string) => {
    log.write(line + "\n");
    tail = (tail + line + "\n").slice(-3000);
    const problem = describe(line);
    if (problem) opts.onProblem(problem);
  };
  eachLine([child.stdout!, child.stderr!], onLine);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    await stopChild(child, exited);
    await new Promise((resolve) => log.end(resolve));
    fs.rmSync(opts.pidFile, { force: true });
  };
  try {
    await Promise.race([
      waitForPages(opts.url, 120_000),
      exited.then((code) => {
        throw new Error(`the console exited (${code}) before it answered:\n${tail.trim()}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  exited.then((code) => opts.onProblem(`the console stopped (exit ${code}); see ${opts.logFile}`));
  return { pid: child.pid!, stop };
}

/** A pino line at warn level or above, as `message (key=value …)`; undefined for the rest. */
function describe(line: string): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trim() || undefined; // not pino: a crash trace or a warning from Node itself
  }
  if (typeof entry.level !== "number" || entry.level < 40) return undefined;
  return String(entry.msg ?? line);
}

async function waitForPages(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(new URL("/login", url), { redirect: "manual", signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`the console did not answer at ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  // What the console started (Pulumi operations, plugins) goes too, even if the console does not wait for it.
  const tree = child.pid ? descendants(child.pid) : [];
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  tree.forEach(killHard);
}

/** Stops a console that a killed test bed left running on `dataDir` (its pid is in `pidFile`). */
export async function stopStaleConsole(pidFile: string, dataDir: string): Promise<void> {
  const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").trim() : 0);
  fs.rmSync(pidFile, { force: true });
  // Only a console of this very test bed: the pid may since belong to something else.
  if (!pid || !read(`/proc/${pid}/environ`).split("\0").includes(`HOIST_DATA_DIR=${dataDir}`)) return;
  const all = [pid, ...descendants(pid)];
  all.forEach(killHard);
  // Its port is free once it is gone (or a zombie).
  const until = Date.now() + 5000;
  while (Date.now() < until && all.some((p) => !/^\S+ \(.*\) Z/.test(read(`/proc/${p}/stat`) || "x (gone) Z"))) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
