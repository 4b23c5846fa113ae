// The registry of stack kinds: every kind the database knows is registered once, each can run
// every operation one of its statuses is held by, and the engine's core names none of them.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { heldBy, isBusy, operationKinds, stackKinds } from "../state/statuses.ts";
import { findKind, kinds } from "./kinds.ts";

const here = import.meta.dirname;

describe("the stack kind registry", () => {
  it("registers each stack kind of the database exactly once, found by its id", () => {
    expect(kinds.map((k) => k.id).sort()).toEqual([...stackKinds].sort());
    for (const id of stackKinds) expect(findKind(id).id).toBe(id);
    expect(() => findKind("nope" as never)).toThrow('no stack kind "nope" is registered');
  });

  it("gives every operation that holds one of a kind's statuses a runner of that kind", () => {
    for (const kind of kinds) {
      const held = operationKinds.filter((op) => heldBy(kind.machine, op).length > 0);
      expect(held.length, kind.id).toBeGreaterThan(0);
      for (const op of held) expect(kind.runners[op], `${kind.id} runs ${op}`).toBeTypeOf("function");
      for (const op of Object.keys(kind.runners)) expect(operationKinds).toContain(op);
    }
  });

  it("lets every busy status of every kind fail, so that a failed run never leaves its subject stuck", () => {
    for (const kind of kinds) {
      const m = kind.machine;
      for (const s of Object.keys(m.heldBy)) if (isBusy(m, s)) expect(m.transitions[s]?.[m.failed], `${kind.id}: ${s} can fail`).toBeDefined();
    }
  });

  it("names its subjects in words of its own", () => {
    const words = kinds.map((k) => k.words.subject);
    expect(new Set(words).size).toBe(kinds.length);
    for (const k of kinds) expect(k.words.remove).toMatch(/^[a-z]+$/);
  });

  it("is the only place the engine's core learns of a kind: engine.ts and queue.ts name none", () => {
    const ids = kinds.map((k) => k.id);
    const modules = fs.readdirSync(here).filter((f) => /-kind\.ts$/.test(f));
    expect(modules.length).toBe(kinds.length);
    for (const file of ["engine.ts", "queue.ts"]) {
      const text = fs.readFileSync(path.join(here, file), "utf8");
      for (const id of ids) expect(text, `${file} names "${id}"`).not.toMatch(new RegExp(`["'\`]${id}["'\`]`));
      for (const m of modules) expect(text, `${file} imports ${m}`).not.toContain(`./${m}`);
      expect(text).not.toMatch(/from "\.\.\/state\/(servers|deployments)\.ts"/);
    }
  });
});
