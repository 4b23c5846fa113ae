// The certificate the gateway serves for `*.<domain>`. By default Hoist's own CA issues it: the CA
// is made once (ECDSA P-256, ten years, name-constrained to the gateway domain, so that trusting it
// trusts nothing else), its private key kept sealed in the database and opened only to issue; the
// served certificate (a year, re-issued a month before it ends) and its key are one PEM file of
// mode 0600 for HAProxy. Where a real certificate is configured it is served instead, re-read on
// every pass so that a renewed one is picked up. openssl's own commands are built below as data
// and run in one place.
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "../state/db.ts";
import { instanceSecrets } from "../state/schema.ts";
import { instanceSecretRef } from "../state/sealed-columns.ts";
import type { Keyring } from "../state/secrets.ts";
import type { GatewayFiles, GatewaySettings } from "./settings.ts";

/** A certificate cannot be made or read; the message names the file or the command. */
export class GatewayCertificateError extends Error {
  override name = "GatewayCertificateError";
}

const CA_ID = "gateway-ca";

const readOr = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

interface Ca {
  domain: string;
  cert: string;
  key: string;
}

/** openssl with its arguments (an argv array), run in `cwd`; its error output becomes the error. */
function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === "ENOENT") throw new GatewayCertificateError("openssl is not installed (apt-get install openssl); the gateway needs it for its own CA");
    throw new GatewayCertificateError(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export const caConfig = (domain: string) =>
  [
    "[req]",
    "distinguished_name = dn",
    "prompt = no",
    "x509_extensions = ca",
    "[dn]",
    `CN = Hoist gateway CA for ${domain}`,
    "[ca]",
    "basicConstraints = critical,CA:TRUE,pathlen:0",
    "keyUsage = critical,keyCertSign,cRLSign",
    "subjectKeyIdentifier = hash",
    `nameConstraints = critical,permitted;DNS:${domain}`,
  ].join("\n");

export const leafConfig = (domain: string) =>
  [
    "[req]",
    "distinguished_name = dn",
    "prompt = no",
    "[dn]",
    `CN = *.${domain}`,
    "[leaf]",
    "basicConstraints = critical,CA:FALSE",
    "keyUsage = critical,digitalSignature",
    "extendedKeyUsage = serverAuth",
    `subjectAltName = DNS:*.${domain},DNS:${domain}`,
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid",
  ].join("\n");

/** Runs `fn` in a private scratch folder (mode 0700) inside the gateway's, removed afterwards. */
function inScratch<T>(files: GatewayFiles, fn: (dir: string) => T): T {
  fs.mkdirSync(path.dirname(files.servedPem), { recursive: true, mode: 0o700 });
  const dir = fs.mkdtempSync(path.join(path.dirname(files.servedPem), ".work-"));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function makeCa(files: GatewayFiles, domain: string): Ca {
  return inScratch(files, (dir) => {
    fs.writeFileSync(path.join(dir, "ca.cnf"), caConfig(domain));
    openssl(dir, ["req", "-x509", "-new", ...ecKey, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-config", "ca.cnf"]);
    return { domain, cert: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"), key: fs.readFileSync(path.join(dir, "ca.key"), "utf8") };
  });
}

/** The internal CA for the domain: the stored one, or a new one (also when the domain changed: it can only vouch for its own). */
function internalCa(db: Db, keyring: Keyring, files: GatewayFiles, domain: string): Ca {
  const row = db.select().from(instanceSecrets).where(eq(instanceSecrets.id, CA_ID)).get();
  if (row) {
    const ca = JSON.parse(keyring.open(row.value, instanceSecretRef(CA_ID)).reveal()) as Ca;
    if (ca.domain === domain) return ca;
  }
  const ca = makeCa(files, domain);
  const value = keyring.seal(JSON.stringify(ca), instanceSecretRef(CA_ID));
  db.insert(instanceSecrets).values({ id: CA_ID, value }).onConflictDoUpdate({ target: instanceSecrets.id, set: { value } }).run();
  return ca;
}

/**
 * The CA's certificate (public), for operators to trust: the copy each pass keeps in the gateway's
 * folder, so that handing it out never opens the CA's key. Undefined before the first pass made it.
 */
export function caCertificate(files: Pick<GatewayFiles, "caCert">): string | undefined {
  return readOr(files.caCert) || undefined;
}

function issue(files: GatewayFiles, ca: Ca): string {
  return inScratch(files, (dir) => {
    fs.writeFileSync(path.join(dir, "leaf.cnf"), leafConfig(ca.domain));
    fs.writeFileSync(path.join(dir, "ca.crt"), ca.cert);
    fs.writeFileSync(path.join(dir, "ca.key"), ca.key, { mode: 0o600 });
    openssl(dir, ["req", "-new", ...ecKey, "-keyout", "leaf.key", "-out", "leaf.csr", "-config", "leaf.cnf"]);
    const serial = `0x${randomBytes(16).toString("hex")}`;
    openssl(dir, ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", serial, "-days", "397", "-extfile", "leaf.cnf", "-extensions", "leaf", "-out", "leaf.crt"]);
    return fs.readFileSync(path.join(dir, "leaf.crt"), "utf8") + ca.cert + fs.readFileSync(path.join(dir, "leaf.key"), "utf8");
  });
}

/** Whether the served PEM is a certificate of this CA for this domain, good for another month. */
function stillGood(pem: string, caCert: string, domain: string, now: Date): boolean {
  try {
    const leaf = new X509Certificate(pem);
    const issuer = new X509Certificate(caCert);
    return leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey) && leaf.checkHost(`x.${domain}`) !== undefined && new Date(leaf.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/** The operator's certificate and key, checked to belong together, as one PEM. */
function configuredPem(certificate: { cert: string; key: string }): string {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file, "utf8");
    } catch (err) {
      throw new GatewayCertificateError(`cannot read the gateway's ${what} ${file} (${what === "certificate" ? "HOIST_GATEWAY_CERT" : "HOIST_GATEWAY_KEY"}): ${(err as Error).message}`);
    }
  };
  const cert = read(certificate.cert, "certificate");
  const key = read(certificate.key, "private key");
  try {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) throw new Error("the private key is not the certificate's");
  } catch (err) {
    throw new GatewayCertificateError(`HOIST_GATEWAY_CERT and HOIST_GATEWAY_KEY do not make a certificate with its key: ${(err as Error).message}`);
  }
  return `${cert.trimEnd()}\n${key.trimEnd()}\n`;
}

/**
 * Makes sure the served PEM file is what it should be, and returns its content (which the
 * configuration's mark covers, so that a new certificate reloads the proxy).
 */
export function ensureServedCertificate(db: Db, keyring: Keyring, settings: Pick<GatewaySettings, "domain" | "certificate">, files: GatewayFiles, now = new Date()): string {
  const current = readOr(files.servedPem);
  let wanted: string;
  if (settings.certificate) {
    wanted = configuredPem(settings.certificate);
  } else {
    // The CA's key is opened only when a certificate must be issued; checking needs its certificate alone.
    const caOnDisk = readOr(files.caCert);
    if (caOnDisk && stillGood(current, caOnDisk, settings.domain, now)) return current;
    const ca = internalCa(db, keyring, files, settings.domain);
    if (caOnDisk !== ca.cert) fs.writeFileSync(files.caCert, ca.cert, { mode: 0o644 });
    wanted = stillGood(current, ca.cert, ca.domain, now) ? current : issue(files, ca);
  }
  if (wanted !== current) {
    fs.mkdirSync(path.dirname(files.servedPem), { recursive: true, mode: 0o700 });
    const tmp = `${files.servedPem}.new`;
    fs.writeFileSync(tmp, wanted, { mode: 0o600 });
    fs.renameSync(tmp, files.servedPem);
  }
  return wanted;
}
