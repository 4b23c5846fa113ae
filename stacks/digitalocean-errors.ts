// DigitalOcean's failures in the operator's words. The provider reports API errors as godo writes
// them, `<METHOD> <url>: <status> (request "<id>") <message>`, wrapped in Terraform's
// `Error creating droplet: …`; a droplet that fails after the API accepted it shows up as the
// provider's wait seeing a state it did not expect.
import type { ExplainedError } from "./cloud.ts";
import { errorLines, explainCommon, unknownError } from "./errors.ts";

type Known = Omit<ExplainedError, "code" | "reason"> & { reason: string; code: string };

const byStatus: Record<number, Known> = {
  401: {
    code: "unauthorized",
    reason: "DigitalOcean rejected the API token",
    action: "Check the credential on the Credentials tab (a personal access token with read and write scope), then retry.",
    retryable: false,
    auth: true,
  },
  403: {
    code: "forbidden",
    reason: "DigitalOcean refused the request for this token",
    action: "Give the token write scope (or the droplet, ssh_key and firewall scopes) and update the credential, then retry.",
    retryable: false,
    auth: true,
  },
  429: { code: "too_many_requests", reason: "DigitalOcean's API rate limit was hit", action: "Wait a minute, then retry.", retryable: true, auth: false },
};

// 422 answers, told apart by their message (DigitalOcean gives them all `unprocessable_entity`).
const unprocessable: { pattern: RegExp; known: Known }[] = [
  {
    pattern: /droplet limit/i,
    known: {
      code: "droplet_limit",
      reason: "The DigitalOcean account's droplet limit is reached",
      action: "Delete droplets you no longer need, or ask DigitalOcean to raise the limit, then retry.",
      retryable: false,
      auth: false,
    },
  },
  {
    pattern: /region is not available/i,
    known: { code: "region_unavailable", reason: "DigitalOcean does not offer this region now", action: "Destroy this server and create it in another region.", retryable: false, auth: false },
  },
  {
    pattern: /size is not available/i,
    known: { code: "size_unavailable", reason: "DigitalOcean does not offer this size in this region now", action: "Destroy this server and create it with another size or region.", retryable: false, auth: false },
  },
  {
    pattern: /already in use/i,
    known: { code: "conflict", reason: "DigitalOcean already has this resource", action: "Remove the duplicate in the DigitalOcean control panel, then retry.", retryable: false, auth: false },
  },
];

const settings: Known = { code: "unprocessable_entity", reason: "DigitalOcean refused the server's settings", action: "Destroy this server and create it with another region, size or image.", retryable: false, auth: false };
const serverError: Known = { code: "server_error", reason: "DigitalOcean's API had an internal error", action: "Retry in a few minutes.", retryable: true, auth: false };

/** `… 422 (request "f00") message` → status, request id and DigitalOcean's message. */
const godo = /https?:\/\/\S+: ([1-5]\d\d)(?: \(request "([^"]*)"\))? (.+?)(?:; giving up after \d+ attempt\(s\))?$/;

export function explainDigitalOceanError(message: string): ExplainedError {
  for (const line of errorLines(message)) {
    const m = godo.exec(line);
    if (!m) continue;
    const [, statusText, requestId, detail] = m as unknown as [string, string, string | undefined, string];
    const status = Number(statusText);
    const known = byStatus[status] ?? (status === 422 ? (unprocessable.find((u) => u.pattern.test(detail))?.known ?? settings) : status >= 500 ? serverError : undefined);
    const request = requestId ? ` (request ${requestId})` : "";
    if (known) return { ...known, reason: `${known.reason}: ${detail}${request}` };
    return { reason: `DigitalOcean could not complete the request: ${detail}${request}`, code: `http_${status}`, action: "Retry; if it fails again, destroy the server and create it again.", retryable: true, auth: false };
  }
  // The create was accepted, then the droplet never became active.
  const state = /unexpected state '([a-z]+)', wanted target '([a-z]+)'/.exec(message);
  if (state) {
    return {
      reason: `DigitalOcean could not start the droplet: it became ${state[1]} instead of ${state[2]}`,
      code: "droplet_failed",
      action: "Retry; if it fails again, destroy the server and create it in another region.",
      retryable: true,
      auth: false,
    };
  }
  return explainCommon(message) ?? unknownError(message);
}
