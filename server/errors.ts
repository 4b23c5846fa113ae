// The few error kinds actions raise, each carrying what the operator should do next. Routes never
// build HTTP errors themselves; app.ts maps these to status codes in one place.
import type { ZodError } from "zod";
import { GatewayFullError } from "../state/gateway-allocations.ts";

export interface FieldError {
  field: string;
  message: string;
}

/** Input that cannot be accepted; nothing was changed. */
export class InvalidInputError extends Error {
  constructor(readonly fields: FieldError[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join("; "));
    this.name = "InvalidInputError";
  }

  static fromZod(err: ZodError, prefix = ""): InvalidInputError {
    const fields = err.issues.map((i) => ({ field: prefix + (i.path.join(".") || "body"), message: i.message }));
    return new InvalidInputError(fields);
  }
}

/** The object does not exist, or belongs to someone the actor may not see. */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = "NotFoundError";
  }
}

/** The actor is signed in but their role does not allow this. */
export class ForbiddenError extends Error {
  override name = "ForbiddenError";
}

/** The request conflicts with the current state (a taken name, a busy stack). */
export class ConflictError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}

export class RateLimitedError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

/** The request's body is larger than Hoist reads (nothing of it was parsed). */
export class PayloadTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The request body is larger than ${Math.round(maxBytes / 1024)} KiB, the most Hoist accepts; nothing was changed.`);
    this.name = "PayloadTooLargeError";
  }
}

/** Changes are paused (the maintenance switch); the message says why and since when. */
export class MaintenanceError extends Error {
  override name = "MaintenanceError";
}

/** The cloud provider failed to answer what Hoist asked it (its catalog, a check). */
export class UpstreamError extends Error {
  override name = "UpstreamError";
}

export class UnauthenticatedError extends Error {
  override name = "UnauthenticatedError";
}

export function httpStatusOf(err: unknown): number {
  if (err instanceof InvalidInputError) return 422;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof ConflictError || err instanceof GatewayFullError) return 409;
  if (err instanceof RateLimitedError) return 429;
  if (err instanceof UnauthenticatedError) return 401;
  if (err instanceof UpstreamError) return 502;
  if (err instanceof PayloadTooLargeError) return 413;
  if (err instanceof MaintenanceError) return 503;
  return 500;
}

export function errorCodeOf(err: unknown): string {
  if (err instanceof GatewayFullError) return "gateway_full";
  const status = httpStatusOf(err);
  return (
    { 422: "invalid_input", 404: "not_found", 403: "forbidden", 409: "conflict", 429: "rate_limited", 401: "unauthenticated", 502: "provider_error", 413: "payload_too_large", 503: "read_only" } as Record<number, string>
  )[status] ?? "internal";
}

/** FieldErrors as a map for forms (first message per field). */
export function fieldMap(err: InvalidInputError | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of err?.fields ?? []) out[f.field] ??= f.message;
  return out;
}
