// Reading a failed Pulumi operation: pull the errors out of the engine's output and explain
// the failures every cloud shares (SSH, deadlines, cancellation). Adapters explain their own
// provider's codes first and fall back to these.
import type { ExplainedError } from "./cloud.ts";

// A diagnostic line without its decoration: colours, bullets, and anything before "error: "
// (progress lines read "+  type name creating (0s) error: …").
const clean = (l: string) =>
  l
    .replace(/\u001b\[[0-9;]*m/g, "")
    .replace(/^.*?\berror:\s+/, "")
    .trim()
    .replace(/^\*\s+/, "")
    .trim();
const noise = (l: string) => !l || /^(update|preview|refresh|destroy) failed$/.test(l) || /^\d+ errors? occurred:?$/.test(l);

/** The meaningful error lines of a failed run, without Pulumi's wrapping. */
export function errorLines(message: string): string[] {
  const raw = message.split("\n");
  const flagged = raw.filter((l) => /error:|^\s*\*\s/.test(l)).map(clean).filter((l) => !noise(l));
  return flagged.length ? [...new Set(flagged)] : raw.map(clean).filter((l) => !noise(l)).slice(0, 3);
}

/** The first meaningful error line, trimmed for display. */
export function firstError(message: string): string {
  return (errorLines(message)[0] ?? message.trim().split("\n")[0] ?? "unknown error").slice(0, 500);
}

/** Failures that are not the provider's: SSH to the new server, deadlines, cancellation. */
export function explainCommon(message: string): ExplainedError | undefined {
  if (/interrupted/.test(message) && /retry/.test(message)) {
    return { reason: "The operation was interrupted when Hoist stopped", action: "Retry to finish it, or destroy the server.", retryable: true, auth: false };
  }
  if (/after \d+ failed attempts|ssh: handshake failed|unable to authenticate, attempted methods|connection refused|i\/o timeout/i.test(message) && /command:remote:Command|dial|ssh/i.test(message)) {
    const detail = /(after \d+ failed attempts: .*)/.exec(message)?.[1] ?? firstError(message);
    return {
      reason: `The server did not accept Hoist's SSH connection: ${detail.slice(0, 300)}`,
      code: "ssh",
      action: "Retry: a new server can take a while to boot. If it keeps failing, destroy it and create it again.",
      retryable: true,
      auth: false,
    };
  }
  const configure = commandFailure(message);
  if (configure) {
    return {
      reason: `Preparing the server failed ${configure}`,
      code: "configure",
      action: "Retry; the preparation is safe to run again. If it keeps failing, destroy the server.",
      retryable: true,
      auth: false,
    };
  }
  if (/deadline|timed out|context canceled|operation canceled|update canceled/i.test(message)) {
    return { reason: `The operation was stopped before it finished: ${firstError(message)}`, action: "Retry to continue where it stopped.", retryable: true, auth: false };
  }
  return undefined;
}

/**
 * A command that ran on a server and failed, as "(exit status N): <its first output lines>", or
 * ": <the error>" when its status is not in the message; undefined when no command failed.
 */
export function commandFailure(message: string): string | undefined {
  // The last occurrence is the one under "Diagnostics", with the command's output after it.
  const exited = [...message.matchAll(/Process exited with status (\d+): running "(?:[^"\\]|\\.)*":[ \t]*\n((?:[ \t]*\S.*(?:\n|$)){0,3})/g)].at(-1);
  if (!exited && !/Process exited with status \d+/.test(message)) return undefined;
  const output = exited?.[2]?.split("\n").map((l) => l.trim()).filter(Boolean).join(" / ");
  return exited ? `(exit status ${exited[1]})${output ? `: ${output.slice(0, 300)}` : ""}` : `: ${firstError(message)}`;
}

export function unknownError(message: string): ExplainedError {
  return { reason: firstError(message), action: "Retry; if it fails again, check the log below for details.", retryable: true, auth: false };
}
