// HAProxy's runtime API over its unix socket: one command per connection (the socket's
// non-interactive mode answers and closes). Commands are built here from checked names and
// addresses, never from text a user typed.
import net from "node:net";
import type { ServerChange } from "./model.ts";

/** The proxy did not answer, or refused a command. */
export class RuntimeApiError extends Error {
  override name = "RuntimeApiError";
}

/** Sends one command and returns the answer. */
export function runtimeCommand(socket: string, command: string, timeoutMs = 5000): Promise<string> {
  if (/[\n;]/.test(command)) throw new RuntimeApiError(`refusing a command with a line break or ';': ${JSON.stringify(command)}`);
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket);
    let answer = "";
    const timer = setTimeout(() => conn.destroy(new RuntimeApiError(`the gateway's runtime API did not answer "${command}" within ${timeoutMs} ms`)), timeoutMs);
    conn.on("connect", () => conn.end(`${command}\n`));
    conn.on("data", (d) => (answer += d.toString()));
    conn.on("error", (err) => {
      clearTimeout(timer);
      reject(err instanceof RuntimeApiError ? err : new RuntimeApiError(`the gateway's runtime API (${socket}) failed: ${err.message}`));
    });
    conn.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** The commands for one runtime change. */
export function changeCommands(c: ServerChange): string[] {
  const target = `${c.backend}/${c.server}`;
  const commands = [`set server ${target} addr ${c.address}${c.port === undefined ? "" : ` port ${c.port}`}`];
  if (c.weight !== undefined) commands.push(`set server ${target} weight ${c.weight}`);
  return commands;
}

/** Runs commands in order; a command HAProxy refuses fails the lot from there on. */
export async function applyCommands(socket: string, commands: string[]): Promise<void> {
  for (const command of commands) {
    const answer = (await runtimeCommand(socket, command)).trim();
    // Successful `set server` commands answer nothing or a note that something changed.
    if (answer && !/changed|no need to change/i.test(answer)) throw new RuntimeApiError(`the gateway refused "${command}": ${answer}`);
  }
}

/** One line of `show stat`: a frontend, backend or server, with the fields Hoist reads. */
export interface StatRow {
  proxy: string;
  server: string;
  /** Sessions open now. */
  current: number;
  /** UP, DOWN, MAINT, NOLB, no check, … */
  status: string;
  weight: number;
  /** L4OK, L7OK, L7STS, L4CON, INI, … (empty without a check). */
  checkStatus: string;
}

/** Parses `show stat` (CSV with a `# ` header line). */
export function parseStat(csv: string): StatRow[] {
  const [header, ...lines] = csv.split("\n").filter(Boolean);
  if (!header?.startsWith("# ")) throw new RuntimeApiError(`unexpected answer to "show stat": ${csv.slice(0, 200)}`);
  const names = header.slice(2).split(",");
  const at = (row: string[], name: string) => row[names.indexOf(name)] ?? "";
  return lines.map((line) => {
    const row = line.split(",");
    return {
      proxy: at(row, "pxname"),
      server: at(row, "svname"),
      current: Number(at(row, "scur")) || 0,
      status: at(row, "status"),
      weight: Number(at(row, "weight")) || 0,
      checkStatus: at(row, "check_status"),
    };
  });
}

export async function showStat(socket: string): Promise<StatRow[]> {
  return parseStat(await runtimeCommand(socket, "show stat"));
}

/** The `description` the running worker loaded (the mark of its configuration). */
export async function loadedMark(socket: string): Promise<string | undefined> {
  const info = await runtimeCommand(socket, "show info", 2000);
  return /^description: (.*)$/m.exec(info)?.[1]?.trim();
}
