import { randomBytes, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "../state/db.ts";
import { instanceSecrets } from "../state/schema.ts";
import { createKeyring } from "../state/secrets.ts";
import { gatewayFiles } from "./settings.ts";
import { caCertificate, ensureServedCertificate } from "./tls.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-tls-"));
  dirs.push(dir);
  return { db: openDb(":memory:"), keyring: createKeyring([randomBytes(32)]), files: gatewayFiles(dir) };
}

const day = 24 * 3600_000;

describe("the gateway's own CA", () => {
  it("issues a certificate for the domain and its subdomains, kept until a month before it ends", () => {
    const { db, keyring, files } = setup();
    const pem = ensureServedCertificate(db, keyring, { domain: "gw.example.com" }, files);
    const leaf = new X509Certificate(pem);
    const ca = new X509Certificate(caCertificate(files)!);
    expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe("DNS:*.gw.example.com, DNS:gw.example.com");
    expect(pem).toContain("PRIVATE KEY");
    expect(fs.statSync(files.servedPem).mode & 0o777).toBe(0o600);
    // The CA's key is sealed in the database, never in the clear.
    const row = db.select().from(instanceSecrets).all();
    expect(row.map((r) => r.id)).toEqual(["gateway-ca"]);
    expect(row[0]!.value).not.toContain("PRIVATE");

    const ends = new Date(leaf.validTo).getTime();
    expect(ensureServedCertificate(db, keyring, { domain: "gw.example.com" }, files, new Date(ends - 31 * day))).toBe(pem);
    const renewed = ensureServedCertificate(db, keyring, { domain: "gw.example.com" }, files, new Date(ends - 29 * day));
    expect(renewed).not.toBe(pem);
    expect(new X509Certificate(renewed).checkIssued(ca)).toBe(true);
  });

  it("makes a new CA for a new domain (a CA vouches for its own domain only)", () => {
    const { db, keyring, files } = setup();
    ensureServedCertificate(db, keyring, { domain: "gw.example.com" }, files);
    const first = caCertificate(files);
    const pem = ensureServedCertificate(db, keyring, { domain: "apps.example.org" }, files);
    expect(caCertificate(files)).not.toBe(first);
    expect(new X509Certificate(pem).checkHost("x.apps.example.org")).toBe("*.apps.example.org");
    expect(db.select().from(instanceSecrets).all()).toHaveLength(1);
  });
});
