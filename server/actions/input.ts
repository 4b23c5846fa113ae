// Shared input rules: one place that says what a name may be.
import { z } from "zod";
import { InvalidInputError } from "../errors.ts";

export const displayName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._()-]*$/, "may contain letters, digits, spaces and . _ ( ) - and must start with a letter or digit");

export const email = z.string({ error: "is required" }).trim().toLowerCase().max(254, "must be at most 254 characters").pipe(z.email("must be an email address"));

/** A new password (sign-in accepts any length, so older passwords keep working). */
export const password = z.string({ error: "is required" }).min(12, "must be at least 12 characters").max(200, "must be at most 200 characters");

/** Parses `raw` with `schema`, or throws an InvalidInputError naming each bad field. */
export function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw InvalidInputError.fromZod(r.error);
  return r.data;
}

/** A JSON/form body as a plain object ("body" is named when it is not one). */
export function asObject(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InvalidInputError([{ field: "body", message: "must be an object" }]);
  }
  return raw as Record<string, unknown>;
}
