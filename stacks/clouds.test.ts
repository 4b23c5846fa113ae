// The seam: stacks/ is the only place that knows a cloud. Everything else reaches clouds through
// the adapter list, so adding one is an adapter file and a line in clouds.ts.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clouds, findCloud } from "./clouds.ts";

const root = path.resolve(import.meta.dirname, "..");
const productDirs = ["engine", "gateway", "server", "views", "state"];

/** Every word that names a cloud: adapter ids and labels, the Pulumi packages the adapters import, and their products' own words. */
function cloudWords(): string[] {
  const fromAdapters = clouds.flatMap((c) => [c.id, ...c.label.split(/\s+/).filter((w) => w.length > 3 && !/^(cloud|services?|web)$/i.test(w))]);
  const packages = fs
    .readdirSync(path.join(root, "stacks"))
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) => [...fs.readFileSync(path.join(root, "stacks", f), "utf8").matchAll(/from "@pulumi\/([a-z0-9-]+)"/g)].map((m) => m[1]!))
    .filter((p) => !["pulumi", "command"].includes(p));
  return [...new Set([...fromAdapters, ...packages, "ec2", "droplet", "amazon"].map((w) => w.toLowerCase()))];
}

function productFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "migrations" ? [] : productFiles(p);
    return /\.(ts|tsx|css)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Where `text` names one of `words` as a word of its own. */
function namings(text: string, words: string[]): string[] {
  return words.filter((w) => new RegExp(`(^|[^a-z0-9])${w}([^a-z0-9]|$)`, "i").test(text));
}

describe("the cloud seam", () => {
  it("knows the clouds' words, and finds them in text", () => {
    const words = cloudWords();
    expect(words).toEqual(expect.arrayContaining(["hetzner", "digitalocean", "aws", "hcloud", "ec2"]));
    expect(namings('import * as hcloud from "@pulumi/hcloud";', words)).toEqual(["hcloud"]);
    expect(namings("Spin up a DigitalOcean droplet", words)).toEqual(["digitalocean", "droplet"]);
    expect(namings("laws and draws", words)).toEqual([]);
  });

  it("no product file outside stacks/ names a cloud", () => {
    const words = cloudWords();
    const offenders = productDirs
      .flatMap((d) => productFiles(path.join(root, d)))
      .map((f) => ({ file: path.relative(root, f), names: namings(fs.readFileSync(f, "utf8"), words) }))
      .filter((o) => o.names.length > 0);
    expect(offenders).toEqual([]);
  });

  it("finds each cloud by its id, and nothing for an unknown one", () => {
    for (const c of clouds) expect(findCloud(c.id)).toBe(c);
    expect(findCloud("nope")).toBeUndefined();
    expect(findCloud(undefined)).toBeUndefined();
  });
});
