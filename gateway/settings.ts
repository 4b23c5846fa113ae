// What the gateway is told by the configuration (server/config.ts validates it; README
// "Configuration" documents it), and where its files live in the data folder.
import fs from "node:fs";
import path from "node:path";
import type { AllocationRanges } from "../state/gateway-allocations.ts";

export interface GatewaySettings {
  /** `auto`: on where HAProxy is installed. */
  mode: "auto" | "on" | "off";
  /** Servers are `<slug>.<domain>`, app routes `<name>-<slug>.<domain>`. */
  domain: string;
  /** The address every entry point listens on. */
  bind: string;
  httpPort: number;
  httpsPort: number;
  ranges: AllocationRanges;
  /** A real certificate for `*.<domain>` (PEM files); otherwise Hoist's own CA issues one. */
  certificate?: { cert: string; key: string };
  /** The haproxy binary; found on PATH when not given. */
  haproxy?: string;
  /** The gateway's folder in the data folder. */
  dir: string;
  syncIntervalSeconds: number;
}

/** The gateway's files, all under its folder. */
export function gatewayFiles(dir: string) {
  return {
    dir,
    config: path.join(dir, "haproxy.cfg"),
    hostMap: path.join(dir, "hosts.map"),
    pid: path.join(dir, "haproxy.pid"),
    log: path.join(dir, "haproxy.log"),
    /** The runtime API of the current worker (admin level, mode 0600). */
    apiSocket: path.join(dir, "api.sock"),
    /** The master's CLI (reloads, workers). */
    masterSocket: path.join(dir, "master.sock"),
    /** The certificate and key HAProxy serves, one PEM file (mode 0600). */
    servedPem: path.join(dir, "tls", "gateway.pem"),
    /** The internal CA's certificate, for operators to trust. */
    caCert: path.join(dir, "tls", "ca.crt"),
  };
}

export type GatewayFiles = ReturnType<typeof gatewayFiles>;

/** The haproxy binary to run, or undefined when none is installed. */
export function findHaproxy(settings: Pick<GatewaySettings, "haproxy">, env = process.env): string | undefined {
  const candidates = settings.haproxy ? [settings.haproxy] : [...(env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "haproxy")), "/usr/sbin/haproxy"];
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
