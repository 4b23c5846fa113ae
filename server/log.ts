// Structured logs (pino). Redaction paths are a second line of defence; secrets are Secret values
// that print as [secret] anyway, and request bodies are never logged.
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export const redactPaths = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "*.secretAccessKey",
  "*.accessKeyId",
  "privateKey",
  "*.privateKey",
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
];

/** A request path as it may be logged: an invitation link's token is a secret. */
export function loggedPath(path: string): string {
  return path.replace(/\/invite\/[^/?#]*/g, "/invite/[secret]");
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: undefined, redact: { paths: redactPaths, censor: "[secret]" } }, destination);
}
