import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quote, scriptLine, shellLine } from "./shell.ts";

/** What a real POSIX shell makes of the line: its words, one per NUL-terminated field. */
const wordsOf = (line: string) =>
  execFileSync("/bin/sh", ["-c", `set -- ${line}; for w; do printf '%s\\0' "$w"; done`], { encoding: "utf8" }).split("\0").slice(0, -1);

describe("quoting for the shell", () => {
  it("leaves plain words bare and quotes everything else", () => {
    expect(shellLine(["docker", "run", "--name", "web-1", "-p", "127.0.1.2:80:80", "nginx:1.27"])).toBe("docker run --name web-1 -p 127.0.1.2:80:80 nginx:1.27");
    expect(quote("")).toBe("''");
    expect(quote("two words")).toBe("'two words'");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote("$HOME")).toBe("'$HOME'");
    expect(quote("a\nb")).toBe("'a\nb'");
  });

  it("gives the shell exactly the words it was given: spaces, quotes, $, backticks, newlines, unicode", () => {
    const tricky = ["a b", "it's", '"double"', "$HOME", "$(id)", "`id`", "a\nb", "tab\there", "*", "~", "ünïcødé ✓", "-n", "\\", "';rm -rf /;'", ""];
    expect(wordsOf(shellLine(tricky))).toEqual(tricky);
  });

  it("holds for any words without NUL", () => {
    const word = fc.oneof(fc.string({ unit: "grapheme", maxLength: 20 }), fc.string({ unit: "binary-ascii", maxLength: 20 })).filter((w) => !w.includes("\0"));
    fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), (words) => {
          expect(wordsOf(shellLine(words))).toEqual(words);
        }), { numRuns: 200 });
  });

  it("refuses what a shell word cannot hold", () => {
    expect(() => quote("a\0b")).toThrow(/NUL/);
    expect(() => shellLine([])).toThrow(/at least one word/);
  });

  it("runs a fixed script with its values as positional parameters, through sudo when not root", () => {
    const script = 'printf "%s|" "$0" "$@"';
    expect(scriptLine(script, ["x y", "$z"], { sudo: true })).toBe(`sudo -n sh -c 'printf "%s|" "$0" "$@"' hoist 'x y' '$z'`);
    const line = scriptLine(script, ["x y", "$z", "it's"], { sudo: false, name: "hoist-test" });
    expect(execFileSync("/bin/sh", ["-c", line], { encoding: "utf8" })).toBe("hoist-test|x y|$z|it's|");
  });
});
