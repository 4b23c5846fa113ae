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
  "update_started", // a previewed change is being applied
  "unchanged", // a change was not applied after all (it had gone stale): the server is as it was
  "stop_requested",
  "stopped",
  "start_requested",
  "started",
  "destroy_requested",
  "destroyed",
] as const;
export type ServerEvent = (typeof serverEvents)[number];

type Table<S extends string, E extends string> = Readonly<Record<S, Partial<Record<E, S>>>>;

/**
 * One kind of stack's status machine: the transitions allowed, written as data, and which kind of
 * operation holds each busy status (null when nothing runs). Whatever else is asked of a status
 * (is it busy, which statuses may an operation move) is derived from these two tables.
 */
export interface StatusMachine<S extends string, E extends string> {
  transitions: Table<S, E>;
  heldBy: Readonly<Record<S, OperationKind | null>>;
  /** The event a failed operation records. */
  failed: E;
}

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

/** The next status after `event`, or a TransitionError when the event is not allowed. */
export function next<S extends string, E extends string>(m: StatusMachine<S, E>, from: S, event: E): S {
  return step(m.transitions, from, event);
}

export function can<S extends string, E extends string>(m: StatusMachine<S, E>, from: S, event: E): boolean {
  return m.transitions[from][event] !== undefined;
}

/** The statuses an operation of `kind` holds: it moves its subject only while it is in one. */
export function heldBy<S extends string>(m: StatusMachine<S, string>, kind: OperationKind): S[] {
  return (Object.keys(m.heldBy) as S[]).filter((s) => m.heldBy[s] === kind);
}

/** Whether an operation is under way while the subject is in status `s`. */
export const isBusy = <S extends string>(m: StatusMachine<S, string>, s: S) => m.heldBy[s] !== null;

/** The statuses nothing leaves (destroyed, removed): the subject's stack is gone. */
export const terminalStatuses = <S extends string>(m: StatusMachine<S, string>): S[] => (Object.keys(m.transitions) as S[]).filter((s) => Object.keys(m.transitions[s]).length === 0);

/**
 * The event that asks for an operation of `kind` from the idle status `from`: the one that moves
 * the subject into a status that operation holds. Where two do (a ready server can be updated, or
 * queued as a new one), the one that does not lead back to where new subjects start wins.
 * Undefined from a busy status, or when no such move exists (an up of a stopped server).
 */
export function requestEvent<S extends string, E extends string>(m: StatusMachine<S, E>, from: S, kind: OperationKind): E | undefined {
  if (isBusy(m, from)) return undefined;
  const start = Object.keys(m.transitions)[0];
  const into = (Object.entries(m.transitions[from]) as [E, S][]).filter(([, to]) => m.heldBy[to] === kind);
  return (into.find(([, to]) => to !== start) ?? into[0])?.[0];
}

export const serverMachine: StatusMachine<ServerStatus, ServerEvent> = {
  transitions: {
    pending: { create_started: "creating", configure_started: "configuring", succeeded: "ready", failed: "failed", destroy_requested: "destroying" },
    creating: { configure_started: "configuring", succeeded: "ready", failed: "failed", destroy_requested: "destroying" },
    configuring: { succeeded: "ready", failed: "failed", destroy_requested: "destroying" },
    // `stopped` from ready: a power-off found by a drift check and accepted (nothing was asked of the provider).
    ready: { update_started: "updating", stop_requested: "stopping", stopped: "stopped", destroy_requested: "destroying", queued: "pending" },
    updating: { succeeded: "ready", unchanged: "ready", failed: "failed", destroy_requested: "destroying" },
    stopping: { stopped: "stopped", failed: "failed", destroy_requested: "destroying" },
    stopped: { start_requested: "starting", destroy_requested: "destroying" },
    starting: { started: "ready", failed: "failed", destroy_requested: "destroying" },
    failed: { queued: "pending", destroy_requested: "destroying" },
    destroying: { destroyed: "destroyed", failed: "failed" },
    destroyed: {},
  },
  heldBy: {
    pending: "up",
    creating: "up",
    configuring: "up",
    ready: null,
    updating: "up",
    stopping: "power",
    stopped: null,
    starting: "power",
    failed: null,
    destroying: "destroy",
    destroyed: null,
  },
  failed: "failed",
};

/** What may be asked of a server by its status, each answer written once. */
export const serverPolicy = {
  /** Retry runs the failed operation again. */
  canRetry: (s: ServerStatus) => s === "failed",
  /** Its node can answer an SSH check. */
  canCheck: (s: ServerStatus) => s === "ready",
  /**
   * Its stack can be checked for drift (a sweep checks ready ones only). A stopped server's power
   * state is not compared: Hoist stops it through the cloud's API, not its stack.
   */
  canCheckDrift: (s: ServerStatus) => s === "ready" || s === "stopped",
  /** Why its node is offline without asking it, if the status says so. */
  offlineBecause: (s: ServerStatus): string | undefined => (s === "stopped" ? "the server is stopped" : undefined),
  /** "Check now" means something: the node is asked, or known offline. */
  nodeCheckable: (s: ServerStatus) => serverPolicy.canCheck(s) || serverPolicy.offlineBecause(s) !== undefined,
  /** The node may take deployments. */
  canHost: (s: ServerStatus) => s === "ready",
  /** A change (size, image, firewall) may be proposed: to a running server, or to one whose last run failed. */
  canChange: (s: ServerStatus) => s === "ready" || s === "failed",
};

export const nodeStates = ["unknown", "online", "offline"] as const;

/** Shared nodes take any deployment; a dedicated one only those moved there (the deploy form offers it to no other). */
export const nodePools = ["shared", "dedicated"] as const;
export type NodePool = (typeof nodePools)[number];
export type NodeState = (typeof nodeStates)[number];

/** What a stack is: each kind is one module of the engine's (engine/kinds.ts). */
export const stackKinds = ["server", "app", "migration"] as const;
export type StackKind = (typeof stackKinds)[number];

/** `drift` is a refresh preview of a stack (state/drift.ts): it reads what really is, writes no state and holds no status. */
export const operationKinds = ["up", "preview", "refresh", "drift", "destroy", "power", "restart", "migrate"] as const;
export type OperationKind = (typeof operationKinds)[number];

export const operationPolicy = {
  /** Writes no state and changes nothing (a drift check): it runs while changes are paused, as node checks do. */
  runsWhilePaused: (k: OperationKind) => k === "drift",
};

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

export const deploymentStatuses = ["pending", "deploying", "running", "updating", "restarting", "migrating", "failed", "removing", "removed"] as const;
export type DeploymentStatus = (typeof deploymentStatuses)[number];

export const deploymentEvents = [
  "queued", // a deploy was requested (first, or a retry)
  "deploy_started", // the engine began running the container
  "succeeded", // the up finished and the health check passed
  "failed",
  "update_requested",
  "unchanged", // an update was refused before it changed anything (its preview no longer holds)
  "restart_requested",
  "restarted",
  "remove_requested",
  "removed",
  "migrate_started", // a migration took it (it moves, or is rolled back, before anything else may happen to it)
  "migrated", // the migration is done with it: moved, or rolled back onto its old node
] as const;
export type DeploymentEvent = (typeof deploymentEvents)[number];

export const deploymentMachine: StatusMachine<DeploymentStatus, DeploymentEvent> = {
  transitions: {
    pending: { deploy_started: "deploying", succeeded: "running", failed: "failed", remove_requested: "removing" },
    deploying: { succeeded: "running", failed: "failed", remove_requested: "removing" },
    running: { update_requested: "updating", restart_requested: "restarting", remove_requested: "removing", migrate_started: "migrating" },
    updating: { deploy_started: "updating", succeeded: "running", unchanged: "running", failed: "failed", remove_requested: "removing" },
    restarting: { restarted: "running", failed: "failed", remove_requested: "removing" },
    migrating: { migrated: "running", failed: "failed" },
    failed: { queued: "pending", remove_requested: "removing" },
    removing: { removed: "removed", failed: "failed" },
    removed: {},
  },
  heldBy: {
    pending: "up",
    deploying: "up",
    running: null,
    updating: "up",
    restarting: "restart",
    // Held by a migration's operation (a stack of another kind): none of this stack's own operations moves it.
    migrating: null,
    failed: null,
    removing: "destroy",
    removed: null,
  },
  failed: "failed",
};

export const deploymentPolicy = {
  canRetry: (s: DeploymentStatus) => s === "failed",
  /** A migration may take it: it runs, and nothing else is under way. */
  canMigrate: (s: DeploymentStatus) => s === "running",
  /** Still on its node: counts against the node's ports and resources. */
  occupiesNode: (s: DeploymentStatus) => s !== "removed",
};

/** A migration of deployments to a dedicated node (engine/migration-kind.ts). */
export const migrationStatuses = ["queued", "running", "paused", "succeeded", "failed", "cancelled"] as const;
export type MigrationStatus = (typeof migrationStatuses)[number];

export const migrationEvents = [
  "started", // its operation began (or began again after a pause or a crash)
  "paused", // it stopped between two steps: asked by the operator, or by itself when traffic degraded
  "resumed", // queued again (resume, retry, or cancel of a paused one, which rolls back what is in flight)
  "finished", // every deployment moved
  "failed", // its operation failed, or a deployment was rolled back
  "cancelled", // cancelled; what was in flight was rolled back
] as const;
export type MigrationEvent = (typeof migrationEvents)[number];

export const migrationMachine: StatusMachine<MigrationStatus, MigrationEvent> = {
  transitions: {
    queued: { started: "running", failed: "failed", cancelled: "cancelled" },
    running: { paused: "paused", finished: "succeeded", failed: "failed", cancelled: "cancelled" },
    paused: { resumed: "queued", failed: "failed" },
    succeeded: {},
    failed: { resumed: "queued" },
    cancelled: {},
  },
  heldBy: { queued: "migrate", running: "migrate", paused: null, succeeded: null, failed: null, cancelled: null },
  failed: "failed",
};

/**
 * Where one deployment of a migration is. The step is written before it is acted on, so that a
 * run taken over after a crash does that step again (each is safe to repeat).
 */
export const migrationSteps = [
  "waiting",
  "deploying_copy", // the copy's stack is brought up on the new node
  "stopping_old", // stateful: the old copy stops (the announced downtime begins)
  "copying_data", // stateful: its volumes are streamed to the copy's
  "starting_copy", // stateful: the copy starts on its data
  "checking_copy", // the copy must answer its health check
  "switching", // the gateway moves to the copy (checked by the proxy), the old copy drains
  "observing", // traffic through the gateway is watched on the copy
  "removing_old", // the old copy's stack is destroyed; the deployment now lives on the new node
  "moved",
  "rolling_back", // the gateway returns to the old copy, the copy is removed
  "rolled_back",
  "skipped", // the migration was cancelled before it reached this deployment
] as const;
export type MigrationStep = (typeof migrationSteps)[number];

/** The order of the steps, stateless and stateful (volumes: stopped, copied, started; a short downtime). */
export const migrationPlans: Record<"stateless" | "stateful", readonly MigrationStep[]> = {
  stateless: ["waiting", "deploying_copy", "checking_copy", "switching", "observing", "removing_old", "moved"],
  stateful: ["waiting", "deploying_copy", "stopping_old", "copying_data", "starting_copy", "checking_copy", "switching", "observing", "removing_old", "moved"],
};

export const migrationPolicy = {
  /** Done with: nothing more happens to it. */
  settled: (s: MigrationStep) => s === "moved" || s === "rolled_back" || s === "skipped",
  /** The gateway may already send it to the copy: a rollback must switch it back. */
  switched: (s: MigrationStep) => s === "switching" || s === "observing",
  /** The old copy may be stopped (stateful): a rollback must start it again. */
  oldStopped: (s: MigrationStep, stateful: boolean) => stateful && ["stopping_old", "copying_data", "starting_copy", "checking_copy", "switching", "observing"].includes(s),
  canPause: (s: MigrationStatus) => s === "queued" || s === "running",
  canResume: (s: MigrationStatus) => s === "paused" || s === "failed",
  canCancel: (s: MigrationStatus) => s === "queued" || s === "running" || s === "paused",
};

/**
 * A proposed change to something that exists: previewed first (the plan is kept), then applied
 * only on confirmation, and only while the stack still plans the same; or discarded.
 */
export const changeStatuses = ["previewing", "previewed", "applying", "applied", "failed", "stale", "discarded"] as const;
export type ChangeStatus = (typeof changeStatuses)[number];

/**
 * A drift report of a stack: open while checks find drift; closed once a check is clean, as
 * accepted or restored when a remediation ran before that clean check, cleared when reality came
 * back by itself.
 */
export const driftStates = ["open", "accepted", "restored", "cleared"] as const;
export type DriftState = (typeof driftStates)[number];

/** How a drifted resource differs from the stack: a property changed, deleted out of band, or something the stack does not hold. */
export const driftKinds = ["changed", "deleted", "unexpected"] as const;
export type DriftKind = (typeof driftKinds)[number];

/** Accept records reality in the stack's state (a refresh); Restore puts back what the stack declares (an up). */
export const remediationActions = ["accept", "restore"] as const;
export type RemediationAction = (typeof remediationActions)[number];

export const auditOutcomes = ["ok", "error", "denied"] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];
