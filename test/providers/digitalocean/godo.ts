// An HTTP client that speaks to the DigitalOcean API the way the official provider's godo client
// does: the same URLs, headers and JSON, the same retries (hashicorp/go-retryablehttp, only when
// httpRetryMax > 0), and errors worded exactly as godo's and Go's net/http's.

export interface ClientSettings {
  token: string;
  /** Host root, e.g. https://api.digitalocean.com; request paths (`v2/droplets`) resolve against it. */
  apiEndpoint: string;
  retryMax: number;
  retryWaitMinSeconds: number;
  retryWaitMaxSeconds: number;
  userAgent: string;
}

/** godo's ErrorResponse: `<METHOD> <url>: <status> (request "<id>") <message>`. */
export class GodoError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly apiMessage: string,
    readonly requestId: string,
    readonly attempts = 0,
  ) {
    const request = requestId ? ` (request ${JSON.stringify(requestId)})` : "";
    const gaveUp = attempts > 0 ? `; giving up after ${attempts} attempt(s)` : "";
    super(`${method} ${url}: ${status}${request} ${apiMessage}${gaveUp}`);
    this.name = "GodoError";
  }
}

/** Go's *url.Error for a request that got no HTTP answer: `Post "<url>": <reason>`. */
export class TransportError extends Error {
  constructor(method: string, url: string, reason: string) {
    super(`${method[0]}${method.slice(1).toLowerCase()} ${JSON.stringify(url)}: ${reason}`);
    this.name = "TransportError";
  }
}

export class GodoClient {
  constructor(private readonly settings: ClientSettings) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("PUT", path, body);
  }
  delete(path: string, body?: unknown): Promise<void> {
    return this.request<void>("DELETE", path, body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.settings.apiEndpoint).toString();
    const { retryMax } = this.settings;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "user-agent": this.settings.userAgent,
            authorization: `Bearer ${this.settings.token}`,
          },
          // Go's json.Encoder ends the document with a newline.
          body: body === undefined ? undefined : JSON.stringify(body) + "\n",
        });
      } catch (err) {
        if (attempt < retryMax) {
          await sleep(this.#backoff(attempt));
          continue;
        }
        throw new TransportError(method, url, goReason(err, url));
      }
      const text = await res.text();
      if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
      const retryable = res.status === 429 || (res.status >= 500 && res.status !== 501);
      if (retryable && attempt < retryMax) {
        await sleep(this.#backoff(attempt, res));
        continue;
      }
      let message = text;
      let requestId = "";
      try {
        const parsed = JSON.parse(text) as { message?: string; request_id?: string };
        message = parsed.message ?? "";
        requestId = parsed.request_id ?? "";
      } catch {
        // godo keeps a body it cannot decode as the message
      }
      // With retries configured, godo reports how many attempts an exhausted retryable call took.
      const attempts = retryMax > 0 && retryable ? attempt + 1 : 0;
      throw new GodoError(method, url, res.status, message, requestId || (res.headers.get("x-request-id") ?? ""), attempts);
    }
  }

  /** go-retryablehttp's DefaultBackoff: Retry-After on 429/503, else min·2^attempt up to max. */
  #backoff(attempt: number, res?: Response): number {
    const retryAfter = Number(res?.headers.get("retry-after"));
    if (res && (res.status === 429 || res.status === 503) && Number.isInteger(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
    const ms = this.settings.retryWaitMinSeconds * 1000 * 2 ** attempt;
    return Math.min(ms, this.settings.retryWaitMaxSeconds * 1000);
  }
}

/** The reason Go's net/http would give for a failed connection. */
function goReason(err: unknown, url: string): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const host = new URL(url).host;
  switch (cause?.code) {
    case "ECONNREFUSED":
      return `dial tcp ${host}: connect: connection refused`;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "EOF";
    case "ENOTFOUND":
      return `dial tcp: lookup ${new URL(url).hostname}: no such host`;
    default:
      return cause?.message ?? (err as Error).message;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
