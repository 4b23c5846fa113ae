// Error wording as the official provider reports it: aws-sdk-go-v2's operation errors
// ("operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: …,
// api error InstanceLimitExceeded: …"), wrapped by the Terraform resource's own prefix
// ("creating EC2 Instance: …") and by the bridge's go-multierror list ("1 error occurred:").

/** An AWS API call that failed, with its message in aws-sdk-go-v2's words. */
export class AwsApiError extends Error {
  override name = "AwsApiError";
  constructor(
    message: string,
    /** The AWS error code (`InstanceLimitExceeded`), or "" for a failure to reach the endpoint. */
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** An error the Terraform resource returns; its message is the resource's own wording. */
export class ProviderError extends Error {
  override name = "ProviderError";
}

const THROTTLING = new Set(["Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled", "TooManyRequestsException"]);

interface SdkError extends Error {
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: unknown;
}

/** Rewrites an @aws-sdk v3 failure the way aws-sdk-go-v2 formats it. */
export function goSdkError(err: unknown, service: "EC2" | "STS", operation: string, maxAttempts: number, endpoint: string): AwsApiError {
  const e = err as SdkError;
  const status = e.$metadata?.httpStatusCode ?? 0;
  const attempts = e.$metadata?.attempts ?? 1;
  const apiError = status > 0 && e.name !== "Error" && !e.name.startsWith("TimeoutError");
  const retryable = !apiError || status >= 500 || status === 429 || THROTTLING.has(e.name);
  const exhausted = retryable && attempts >= maxAttempts ? `exceeded maximum number of attempts, ${maxAttempts}, ` : "";
  const cause = apiError ? `api error ${e.name}: ${e.message}` : `request send failed, Post "${endpoint}": ${netError(e, endpoint)}`;
  const message = `operation error ${service}: ${operation}, ${exhausted}https response error StatusCode: ${status}, RequestID: ${e.$metadata?.requestId ?? ""}, ${cause}`;
  return new AwsApiError(message, apiError ? e.name : "", status);
}

/** Go's net error text for the common connection failures. */
function netError(e: SdkError, endpoint: string): string {
  const host = new URL(endpoint).host;
  if (e.code === "ECONNREFUSED") return `dial tcp ${host}: connect: connection refused`;
  if (e.code === "ECONNRESET") return `read tcp ${host}: read: connection reset by peer`;
  return e.message;
}

/** The bridge's rendering of a Terraform diagnostic list (hashicorp/go-multierror). */
export function multiError(...messages: string[]): string {
  if (messages.length === 1) return `1 error occurred:\n\t* ${messages[0]}\n\n`;
  return `${messages.length} errors occurred:\n${messages.map((m) => `\t* ${m}`).join("\n")}\n\n`;
}

/** Throws `prefix: <cause>` in the bridge's wording. */
export function fail(prefix: string, cause: unknown): never {
  throw new ProviderError(multiError(`${prefix}: ${(cause as Error).message ?? String(cause)}`));
}

export function errorCode(err: unknown): string {
  return err instanceof AwsApiError ? err.code : "";
}
