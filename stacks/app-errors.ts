// An app deployment's failures in the operator's words: its node not answering, a docker command
// that failed on the node (image not found, port taken, …), or anything else the run reported.
import type { ExplainedError } from "./cloud.ts";
import { commandFailure, explainCommon, firstError } from "./errors.ts";

/** What docker's own messages mean for the operator, when one is in the output. */
const dockerCauses: { pattern: RegExp; code: string; action: string; retryable: boolean }[] = [
  { pattern: /address already in use|port is already allocated/i, code: "port_taken", action: "Choose another port for the app (Update), or stop what uses it on the node.", retryable: false },
  { pattern: /pull access denied|manifest unknown|not found: manifest|repository does not exist|No such image/i, code: "image_not_found", action: "Check the image and tag, then retry.", retryable: false },
  { pattern: /Cannot connect to the Docker daemon|docker: (command )?not found|docker: not found/i, code: "no_runtime", action: "Install Docker Engine on the node (or let Hoist's configure step do it by retrying the server), then retry.", retryable: true },
  { pattern: /sudo: a password is required|sudo: .*not allowed/i, code: "no_sudo", action: "Give the node's login user passwordless sudo, then retry.", retryable: false },
];

export function explainAppError(message: string): ExplainedError {
  const failed = commandFailure(message);
  if (failed) {
    const cause = dockerCauses.find((c) => c.pattern.test(message));
    return {
      reason: `Running the app on its node failed ${failed}`,
      code: cause?.code ?? "container",
      action: cause?.action ?? "Retry; if it fails again, read the log below and the container's logs.",
      retryable: cause?.retryable ?? true,
      auth: false,
    };
  }
  const common = explainCommon(message);
  if (common?.code === "ssh") return { ...common, reason: common.reason.replace("The server did not", "The node did not"), action: "Check that the node is online (Nodes tab), then retry." };
  return common ?? { reason: firstError(message), action: "Retry; if it fails again, read the log below.", retryable: true, auth: false };
}
