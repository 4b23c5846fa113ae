// A deployment's spec on another node: what its entry derives from the node's address is derived
// again, the operator's choices stay.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { builtInCatalogDir, loadCatalog } from "./app-catalog.ts";
import { buildSpec, specAt } from "./app-spec.ts";

const apps = loadCatalog([builtInCatalogDir, path.resolve(import.meta.dirname, "../test/catalog")]);
const entry = apps.find((a) => a.id === "test-httpd")!;

describe("a spec moved to another node", () => {
  it("derives the address-bound settings again and keeps the chosen ones", () => {
    const { spec, problems } = buildSpec(entry, { deploymentId: "d1", slug: "web-1a2b", address: "10.0.0.5" }, { ports: { web: 8081 }, env: { GREETING: "hi there" } });
    expect(problems).toEqual([]);
    const moved = specAt(entry, spec, "10.0.0.9");
    expect(moved).toEqual({ ...spec, address: "10.0.0.9", env: { HOST: "10.0.0.9", PORT: "8081", GREETING: "hi there" } });
    // Built there from the start, it would be the same.
    expect(moved).toEqual(buildSpec(entry, { deploymentId: "d1", slug: "web-1a2b", address: "10.0.0.9" }, { ports: { web: 8081 }, env: { GREETING: "hi there" } }).spec);
  });

  it("without its entry, moves the values that were the old address", () => {
    const { spec } = buildSpec(entry, { deploymentId: "d1", slug: "web-1a2b", address: "10.0.0.5" }, { ports: {}, env: { GREETING: "10.0.0.5x" } });
    expect(specAt(undefined, spec, "10.0.0.9").env).toEqual({ HOST: "10.0.0.9", PORT: "8080", GREETING: "10.0.0.5x" });
  });
});
