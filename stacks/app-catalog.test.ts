// Every catalog entry the repository ships (and the test bed's) validates, and the validator
// refuses entries that would not run, naming the file and the field.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { builtInCatalogDir, CatalogError, loadCatalog } from "./app-catalog.ts";

const testCatalogDir = path.resolve(import.meta.dirname, "../test/catalog");

describe("the app catalog", () => {
  it("ships at least eight apps, every one valid, with an image pinned to a tag", () => {
    const apps = loadCatalog([builtInCatalogDir]);
    expect(apps.length).toBeGreaterThanOrEqual(8);
    expect(apps.map((a) => a.id)).toEqual(expect.arrayContaining(["nginx", "whoami", "uptime-kuma", "redis", "postgres", "gitea", "vaultwarden", "grafana"]));
    for (const a of apps) {
      expect(a.tag, a.id).not.toBe("latest");
      // Databases keep data; every entry that needs a secret asks for it.
      if (a.category === "Databases") expect(a.volumes.length, a.id).toBeGreaterThan(0);
    }
    expect(apps.find((a) => a.id === "redis")!.env.find((e) => e.name === "REDIS_PASSWORD")).toMatchObject({ secret: true, required: true });
  });

  it("loads the test bed's entries beside them", () => {
    const apps = loadCatalog([builtInCatalogDir, testCatalogDir]);
    expect(apps.filter((a) => a.category === "Test bed").map((a) => a.id).sort()).toEqual(["test-echo", "test-httpd", "test-secret", "test-slow"]);
  });

  it("refuses an entry that would not run, naming the file and the field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-catalog-"));
    const write = (entry: unknown) => fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify(entry));
    const good = JSON.parse(fs.readFileSync(path.join(builtInCatalogDir, "whoami.json"), "utf8"));
    const cases: [unknown, RegExp][] = [
      [{ ...good, id: "bad", health: { http: { port: "nope", path: "/" } } }, /bad\.json: health names port "nope"/],
      [{ ...good, id: "bad", tag: "has space" }, /bad\.json: tag must be an image tag/],
      [{ ...good, id: "bad", env: [{ name: "X", label: "x", default: "{port:other}" }] }, /env\.0\.default names \{port:other\}/],
      [{ ...good, id: "bad", env: [{ name: "S", label: "s", secret: true, default: "hunter2" }] }, /env\.0\.default a secret has no default/],
      [{ ...good, id: "bad", env: [{ name: "P", label: "p", pattern: "(" }] }, /env\.0\.pattern is not a valid regular expression/],
      [{ ...good }, /id "whoami" must match the file name/],
    ];
    try {
      for (const [entry, message] of cases) {
        write(entry);
        expect(() => loadCatalog([dir])).toThrow(CatalogError);
        expect(() => loadCatalog([dir])).toThrow(message);
      }
      fs.writeFileSync(path.join(dir, "bad.json"), "{ not json");
      expect(() => loadCatalog([dir])).toThrow(/bad\.json: not JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
