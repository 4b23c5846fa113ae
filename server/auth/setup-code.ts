// First run: a one-time setup code, printed in the console's log and kept in the data folder
// (mode 0600). Whoever creates the first admin must show it, so a fresh install reachable from a
// network cannot be taken over by the first visitor; only someone who can read the log or the
// data folder can finish the setup. The code stops working once the admin exists.
import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { safeEqual } from "./tokens.ts";

export const SETUP_CODE_FILE = "setup-code";

// No 0/O or 1/I/L: the code is read off a terminal and typed by hand.
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LENGTH = 15; // ~74 bits, and the attempts are rate limited per address

/** The code as Hoist writes it: groups of five, e.g. `7KQ2M-XW9PA-D4RTE`. */
export function newSetupCode(): string {
  const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!);
  return [0, 5, 10].map((i) => chars.slice(i, i + 5).join("")).join("-");
}

/** What the operator typed, compared without case, spaces or dashes. */
const normal = (code: string) => code.toUpperCase().replace(/[\s-]+/g, "");

export interface SetupGate {
  /** The file holding the code while Hoist is not set up; undefined once it is. */
  readonly file?: string;
  /** The code, for the start-up log line only. */
  readonly code?: string;
  matches(input: string): boolean;
  /** The admin exists: the code stops working and its file is deleted. */
  used(): void;
}

/**
 * The gate for this start: without users, the code from the data folder (created when missing,
 * so every start until the setup shows the same code); with users, a gate nothing opens.
 */
export function prepareSetupGate(dataDir: string, setUp: boolean): SetupGate {
  const file = path.join(dataDir, SETUP_CODE_FILE);
  if (setUp) {
    fs.rmSync(file, { force: true });
    return { matches: () => false, used: () => {} };
  }
  let code = readCode(file);
  if (!code) {
    try {
      // wx: two processes starting at once must not print two different codes.
      fs.writeFileSync(file, `${newSetupCode()}\n`, { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    code = readCode(file)!;
  }
  fs.chmodSync(file, 0o600);
  let live: string | undefined = code;
  return {
    file,
    code,
    matches: (input) => live !== undefined && safeEqual(normal(input), normal(live)),
    used: () => {
      live = undefined;
      fs.rmSync(file, { force: true });
    },
  };
}

function readCode(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
