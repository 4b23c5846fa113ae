// Provider configuration as the official plugin reads it: `hcloud:token` / HCLOUD_TOKEN (exactly 64
// characters), `hcloud:endpoint` / HCLOUD_ENDPOINT, and the action polling settings.
import { ProviderError } from "./errors.ts";

export const DEFAULT_ENDPOINT = "https://api.hetzner.cloud/v1";

/** How long to wait before retry number `n` (from 0). */
export type Backoff = (n: number) => number;

export interface HcloudConfig {
  token: string;
  endpoint: string;
  pollBackoff: Backoff;
}

export class ConfigError extends ProviderError {
  override name = "ConfigError";
}

/**
 * hcloud-go's exponential backoff: `base · multiplier^n`, capped, with jitter between the base and
 * that value.
 */
export function exponentialBackoff(baseMs: number, multiplier: number, capMs: number): Backoff {
  return (n) => {
    const backoff = Math.min(capMs, baseMs * multiplier ** n);
    return baseMs + (backoff - baseMs) * Math.random();
  };
}

export const constantBackoff =
  (ms: number): Backoff =>
  () =>
    ms;

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (`500ms`, `1s`, `1m30s`), in milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) throw new ConfigError(`time: invalid duration "${text}"`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

/** Reads the provider config (keys without the `hcloud:` prefix), falling back to the environment. */
export function readConfig(config: Record<string, string>, env: NodeJS.ProcessEnv = process.env): HcloudConfig {
  const token = config.token || env.HCLOUD_TOKEN || "";
  if (!token) {
    throw new ConfigError(
      "Missing Hetzner Cloud API token: While configuring the provider, the Hetzner Cloud API token was not found in the HCLOUD_TOKEN environment variable or provider configuration block token attribute.",
    );
  }
  if (token.length !== 64) throw new ConfigError("entered token is invalid (must be exactly 64 characters long)");
  const endpoint = (config.endpoint || env.HCLOUD_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, "");
  let pollBackoff = exponentialBackoff(500, 2, 10_000);
  if (config.pollInterval) {
    let interval: number;
    try {
      interval = parseDuration(config.pollInterval);
    } catch (err) {
      throw new ConfigError(`Unparsable poll interval value: An unexpected error was encountered trying to parse the value.\n\n${(err as Error).message}`);
    }
    pollBackoff = config.pollFunction === "constant" ? constantBackoff(interval) : exponentialBackoff(interval, 2, 60_000);
  }
  if (config.pollFunction && !["constant", "exponential"].includes(config.pollFunction)) {
    throw new ConfigError(`Invalid Attribute Value Match: Attribute poll_function value must be one of: ["constant" "exponential"], got: "${config.pollFunction}"`);
  }
  return { token, endpoint, pollBackoff };
}
