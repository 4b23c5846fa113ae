// A small JSON client for the clouds' REST APIs, shared by the adapters. It never puts the token in
// an error message, and it tells "the provider said no" from "the provider could not be reached".

export class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ProviderHttpError";
  }
}

export class ProviderUnreachableError extends Error {
  override name = "ProviderUnreachableError";
}

export interface JsonRequest {
  url: string;
  token: string;
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Pulls the provider's error code and message out of an error body. */
  parseError: (body: unknown) => { code?: string; message?: string };
}

export async function requestJson<T>(req: JsonRequest): Promise<T> {
  const timeout = AbortSignal.timeout(req.timeoutMs ?? 15_000);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  let res: Response;
  try {
    const headers: Record<string, string> = { Authorization: `Bearer ${req.token}`, Accept: "application/json" };
    if (req.body !== undefined) headers["Content-Type"] = "application/json";
    res = await fetch(req.url, {
      method: req.method ?? "GET",
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal,
    });
  } catch (err) {
    const e = err as Error;
    const why = e.name === "TimeoutError" ? "no answer in time" : ((e.cause as Error | undefined)?.message ?? e.message);
    throw new ProviderUnreachableError(`${new URL(req.url).host} could not be reached: ${why}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const { code, message } = req.parseError(body);
    throw new ProviderHttpError(res.status, code ?? String(res.status), message ?? `HTTP ${res.status} ${res.statusText}`);
  }
  return body as T;
}

export const getJson = <T>(req: Omit<JsonRequest, "method" | "body">) => requestJson<T>(req);

/** A credential check's outcome from an error: refused → invalid, anything else → unverified. */
export function checkFailure(err: unknown, label: string): { validity: "invalid" | "unverified"; reason: string } {
  if (err instanceof ProviderHttpError) {
    if (err.status === 401 || err.status === 403) {
      return { validity: "invalid", reason: `${label} rejected the credential: ${err.message} (${err.code})` };
    }
    return { validity: "unverified", reason: `${label} answered ${err.status}: ${err.message} (${err.code})` };
  }
  if (err instanceof ProviderUnreachableError) return { validity: "unverified", reason: err.message };
  return { validity: "unverified", reason: err instanceof Error ? err.message : String(err) };
}
