// Error values and wording of the official provider (hcloud-go, terraform-provider-hcloud and the
// Pulumi bridge around it), so that what an operator reads is what the real plugin would print.

/** An error answer of the Hetzner API, printed as hcloud-go does: `<message> (<code>)`. */
export class HcloudError extends Error {
  override name = "HcloudError";
  constructor(
    readonly code: string,
    readonly apiMessage: string,
    readonly details: unknown,
    readonly status: number,
    readonly correlationId?: string,
  ) {
    super(correlationId ? `${apiMessage} (${code}, ${correlationId})` : `${apiMessage} (${code})`);
  }
}

/** A non-JSON error answer: hcloud-go can only report the status. */
export class HcloudStatusError extends Error {
  override name = "HcloudStatusError";
  constructor(readonly status: number) {
    super(`hcloud: server responded with status code ${status}`);
  }
}

/** An action that ended in error: `<message> (<code>, <action id>)`. */
export class ActionFailedError extends Error {
  override name = "ActionFailedError";
  constructor(
    readonly code: string,
    readonly apiMessage: string,
    readonly actionId: number,
  ) {
    super(`${apiMessage} (${code}, ${actionId})`);
  }
}

/** An error the provider itself raises (e.g. `image x for architecture y not found`). */
export class ProviderError extends Error {
  override name = "ProviderError";
}

/** An error already worded as the bridge reports it to the engine. */
export class BridgedError extends Error {
  override name = "BridgedError";
}

export const isNotFound = (err: unknown) => err instanceof HcloudError && err.code === "not_found";

/**
 * The summary line terraform-provider-hcloud's SDKv2 resources give an error (`ErrorToDiag`):
 * the error itself, or for `invalid_input` the fields and their messages.
 */
export function sdkSummary(err: unknown): string {
  if (err instanceof HcloudError && err.code === "invalid_input") {
    const fields = (err.details as { fields?: { name: string; messages: string[] }[] } | null)?.fields ?? [];
    // Go's %v of the field list: `[name => [msg msg] name => [msg]]`.
    return `${err.message}: [${fields.map((f) => `${f.name} => [${f.messages.join(" ")}]`).join(" ")}]`;
  }
  return (err as Error).message;
}

/** go-multierror's rendering, which the bridge uses for a resource's diagnostics. */
export function multiError(...messages: string[]): string {
  const points = messages.map((m) => `\t* ${m}`).join("\n");
  return `${messages.length} error${messages.length === 1 ? "" : "s"} occurred:\n${points}\n\n`;
}

/** How an SDKv2 resource's failure reaches the engine, with the bridge's `<verb> <urn>: ` prefix if any. */
export function sdkError(err: unknown, prefix = ""): Error {
  if (err instanceof BridgedError) return err;
  return new BridgedError(prefix + multiError(sdkSummary(err)));
}

/**
 * How a Plugin Framework resource's failure reaches the engine: the diagnostic's summary and
 * detail (`hcloudutil.APIErrorDiagnostics` for API errors).
 */
export function frameworkError(err: unknown): Error {
  if (err instanceof BridgedError) return err;
  if (err instanceof HcloudError) {
    const detail = `An unexpected error was encountered during an API request.\n\n${err.message}\n\nError code: ${err.code}\nStatus code: ${err.status}\n`;
    return new BridgedError(`API request failed: ${detail}`);
  }
  return new BridgedError(`API request failed: An unexpected error was encountered during an API request.\n\n${(err as Error).message}\n`);
}
