// Every status set Hoist stores, written once: the tuple feeds the drizzle column, the type and
// the transition table. Nothing else in the code base spells a status as a bare string.

export const roles = ["admin", "operator", "viewer"] as const;
export type Role = (typeof roles)[number];

export const userStates = ["invited", "active", "disabled"] as const;
export type UserState = (typeof userStates)[number];

export const credentialValidities = ["unchecked", "valid", "invalid", "unverified"] as const;
export type CredentialValidity = (typeof credentialValidities)[number];

export const serverStatuses = [
  "pending",
  "creating",
  "configuring",
  "ready",
  "updating",
  "stopping",
  "stopped",
  "starting",
  "failed",
  "destroying",
  "destroyed",
] as const;
export type ServerStatus = (typeof serverStatuses)[number];

/** What can happen to a server; each event moves it along `serverTransitions`. */
export const serverEvents = [
  "queued", // an up was requested (create or retry)
  "create_started", // the engine began creating the cloud server
  "configure_started", // the configure step (SSH) began
  "succeeded", // the up finished
  "failed", // an operation failed
  "update_started",
  "stop_requested",
  "stopped",
  "start_requested",
  "started",
  "destroy_requested",
  "destroyed",
] as const;
export type ServerEvent = (typeof serverEvents)[number];

type Table<S extends string, E extends string> = Readonly<Record<S, Partial<Record<E, S>>>>;

export const serverTransitions: Table<ServerStatus, ServerEvent> = {
  pending: { create_started: "creating", configure_started: "configuring", succeeded: "ready", failed: "failed", destroy_requested: "destroying" },
  creating: { configure_started: "configuring", succeeded: "ready", failed: "failed", destroy_requested: "destroying" },
  configuring: { succeeded: "ready", failed: "failed", destroy_requested: "destroying" },
  ready: { update_started: "updating", stop_requested: "stopping", destroy_requested: "destroying", queued: "pending" },
  updating: { succeeded: "ready", failed: "failed", destroy_requested: "destroying" },
  stopping: { stopped: "stopped", failed: "failed", destroy_requested: "destroying" },
  stopped: { start_requested: "starting", destroy_requested: "destroying" },
  starting: { started: "ready", failed: "failed", destroy_requested: "destroying" },
  failed: { queued: "pending", destroy_requested: "destroying" },
  destroying: { destroyed: "destroyed", failed: "failed" },
  destroyed: {},
};

export class TransitionError extends Error {
  constructor(
    readonly from: string,
    readonly event: string,
  ) {
    super(`cannot ${event.replace(/_/g, " ")} while ${from}`);
    this.name = "TransitionError";
  }
}

function step<S extends string, E extends string>(table: Table<S, E>, from: S, event: E): S {
  const to = table[from][event];
  if (!to) throw new TransitionError(from, event);
  return to;
}

/** The server's next status after `event`, or a TransitionError when the event is not allowed. */
export function transition(from: ServerStatus, event: ServerEvent): ServerStatus {
  return step(serverTransitions, from, event);
}

export function canTransition(from: ServerStatus, event: ServerEvent): boolean {
  return serverTransitions[from][event] !== undefined;
}

/** Statuses in which an operation is running against the server's stack. */
export const busyServerStatuses: readonly ServerStatus[] = ["pending", "creating", "configuring", "updating", "stopping", "starting", "destroying"];

export const nodeStates = ["unknown", "online", "offline"] as const;
export type NodeState = (typeof nodeStates)[number];

export const operationKinds = ["up", "preview", "refresh", "destroy", "power"] as const;
export type OperationKind = (typeof operationKinds)[number];

export const operationStatuses = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type OperationStatus = (typeof operationStatuses)[number];

export const operationTransitions: Table<OperationStatus, "start" | "succeed" | "fail" | "cancel"> = {
  queued: { start: "running", fail: "failed", cancel: "cancelled" },
  running: { succeed: "succeeded", fail: "failed", cancel: "cancelled" },
  succeeded: {},
  failed: {},
  cancelled: {},
};

export function operationTransition(from: OperationStatus, event: "start" | "succeed" | "fail" | "cancel"): OperationStatus {
  return step(operationTransitions, from, event);
}

export const finishedOperationStatuses: readonly OperationStatus[] = ["succeeded", "failed", "cancelled"];

export const deploymentStatuses = ["pending", "deploying", "running", "failed", "removing", "removed"] as const;
export type DeploymentStatus = (typeof deploymentStatuses)[number];

export const driftStates = ["open", "accepted", "restored", "dismissed"] as const;
export type DriftState = (typeof driftStates)[number];

export const auditOutcomes = ["ok", "error", "denied"] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];
