// The `hoist` command line: what parses, and what is a usage error (exit 2) naming what is wrong.
import { describe, expect, it } from "vitest";
import { parseCommand, UsageError } from "./args.ts";

const refused = (argv: string[]) => {
  try {
    parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`${argv.join(" ")} parsed`);
};

describe("the hoist command line", () => {
  it("parses each command with its stack and flags", () => {
    expect(parseCommand(["stacks"])).toEqual({ name: "stacks", json: false });
    expect(parseCommand(["stacks", "--json"])).toEqual({ name: "stacks", json: true });
    expect(parseCommand(["up", "server-web-1", "-y", "--as", "ada@example.com"])).toEqual({ name: "up", stack: "server-web-1", yes: true, declared: false, as: "ada@example.com" });
    expect(parseCommand(["preview", "app-hello-1a2b", "--declared"])).toEqual({ name: "preview", stack: "app-hello-1a2b", yes: false, declared: true, as: undefined });
    expect(parseCommand(["env", "server-web-1"])).toEqual({ name: "env", stack: "server-web-1" });
    expect(parseCommand(["rotate-key", "--forget-old"])).toEqual({ name: "rotate-key", forgetOld: true });
  });

  it("refuses what a command does not take, naming it", () => {
    expect(refused([])).toBe("no command given");
    expect(refused(["deploy", "x"])).toBe('unknown command "deploy"');
    expect(refused(["drift", "server-web-1", "--yes"])).toBe("drift takes no --yes");
    expect(refused(["destroy", "server-web-1", "--declared"])).toBe("destroy takes no --declared");
    expect(refused(["up"])).toBe("up takes one stack name");
    expect(refused(["up", "a", "b"])).toBe("up takes one stack name");
    expect(refused(["stacks", "server-web-1"])).toBe("stacks takes no arguments");
    expect(refused(["up", "server-web-1", "--as", "ada"])).toBe("--as takes the email of a Hoist user");
    expect(refused(["up", "server-web-1", "--force"])).toMatch(/--force/);
  });
});
