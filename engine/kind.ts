// What a kind of stack (a server, an app deployment, …) gives the engine: its status machine, the
// stack config of one of its stacks, a runner for each operation it supports, and how its
// failures read and what crash recovery may adopt. The engine core names no kind; the one list of
// kinds is engine/kinds.ts.
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type { Logger } from "pino";
import type { ExplainedError } from "../stacks/cloud.ts";
import type { ConfigValue } from "../stacks/entry.ts";
import type { Db } from "../state/db.ts";
import type { Change } from "../state/changes.ts";
import type { Operation } from "../state/operations.ts";
import type { Keyring } from "../state/secrets.ts";
import type { OperationKind, StackKind as StackKindId, StatusMachine } from "../state/statuses.ts";
import type { GatewayRoutes } from "../gateway/routes.ts";
import type { GatewaySettings } from "../gateway/settings.ts";
import type { EventBus } from "./bus.ts";
import type { DriftSupport } from "./drift-runs.ts";
import type { EnqueueRequest } from "./engine.ts";
import type { HoistEvent } from "./events.ts";
import type { PlannedStep } from "./plan.ts";
import type { Finder } from "./recover.ts";
import type { PulumiSettings } from "./workspace.ts";

/** The gateway as the kinds use it (gateway/gateway.ts): app routes, and where it listens. */
export interface GatewayPort {
  readonly enabled: boolean;
  readonly running: boolean;
  readonly settings: GatewaySettings;
  readonly routes: GatewayRoutes;
}

/** What every kind's code may reach. */
export interface KindContext {
  db: Db;
  keyring: Keyring;
  log: Logger;
  /** API endpoint overrides by cloud id. */
  endpoints: Record<string, string>;
  bus: EventBus;
  pulumi: () => Promise<PulumiSettings>;
  /** Queues another operation (a remediation's follow-up check, an automatic restore). */
  enqueue(req: EnqueueRequest): Operation;
  /** Whether changes are paused (maintenance): nothing is changed on Hoist's own initiative meanwhile. */
  paused(): boolean;
  /** The gateway, when Hoist runs one (app routes follow their deployments). */
  gateway?: GatewayPort;
}

/** A shell watching a run (`hoist up`): Pulumi's own output goes there as it comes. */
export interface RunOutput {
  write(text: string): void;
  color: "always" | "never";
}

/** One running operation, as its runner sees it. */
export interface Run extends KindContext {
  op: Operation;
  /** Set when a shell runs the operation and prints Pulumi's output. */
  output?: RunOutput;
  /** Aborted on cancel, deadline or shutdown; every long call takes it. */
  signal: AbortSignal;
  record(e: HoistEvent): void;
  /** Moves the subject by `event`, only while it is in a status this operation holds; records the move. */
  move(event: string, patch?: Record<string, unknown>): string | undefined;
}

export type Runner = (run: Run) => Promise<void>;

/** The options every runner gives Pulumi: its events, the run's signal, and for a shell Pulumi's own output with property diffs. */
export function pulumiOptions(run: Run, onEvent: (e: EngineEvent) => void) {
  const color: "always" | "never" = run.output?.color ?? "never";
  return { onEvent, signal: run.signal, color, ...(run.output && { onOutput: (text: string) => run.output!.write(text), diff: true }) };
}

/** A row whose stack a kind runs (a server, a deployment), as listings show it. */
export interface Subject {
  id: string;
  stack: string;
  name: string;
  userId: string;
  status: string;
}

/** The columns (of an operation, of a change) that name a subject: its serverId or deploymentId. */
export type SubjectRef = { serverId?: string; deploymentId?: string };

/** The stack an operation works on, configured with its subject's current inputs. */
export interface StackInputs {
  stack: string;
  config: Record<string, ConfigValue>;
}

export interface StackKind {
  id: StackKindId;
  /** How the operator's messages name the subject and its removal ("destroy the server"). */
  words: { subject: string; remove: string };
  machine: StatusMachine<string, string>;
  /** The row the operation is about (a server, a deployment). */
  subjectOf(op: Operation): string | undefined;
  /** The columns that name the subject in its operations and changes (the inverse of subjectOf). */
  refOf(subjectId: string): SubjectRef;
  /** Its subjects whose stacks exist (every status but the terminal ones), for listings such as `hoist stacks`. */
  subjects(db: Db): Subject[];
  /** The stacks that live on the subject and must be removed before it is destroyed (a server's deployments). */
  dependents?(db: Db, subjectId: string): string[];
  /** Moves that row along the machine (see state/moves.ts). */
  move(db: Db, subjectId: string, event: string, patch: Record<string, unknown>, from?: readonly string[]): string | undefined;
  /** The stack config of the subject's stack (secrets decrypted for this use only), or of `change`'s proposal for it. */
  inputs(ctx: KindContext, subjectId: string, change?: Change): StackInputs;
  runners: Partial<Record<OperationKind, Runner>>;
  /** A failed run in the operator's words. */
  explain(ctx: KindContext, op: Operation, err: unknown): ExplainedError;
  /** After a failure was recorded: what it means beyond the subject (a credential refused, …). */
  afterFailure?(ctx: KindContext, op: Operation, explained: ExplainedError): void;
  /** Whether replacing or deleting this planned step's resource loses data (a server, a volume). */
  holdsData(step: PlannedStep): boolean;
  /**
   * An operation of this kind interrupted by a crash is queued again rather than failed: its runner
   * goes on from the step its subject recorded (each step is safe to repeat).
   */
  resumesAfterCrash?: boolean;
  /** How crash recovery finds, at the provider, what a pending create of this stack made. */
  finder?(ctx: KindContext, op: Operation): Finder | undefined;
  /** How drift of its stacks is found and remediated (engine/drift-runs.ts). */
  readonly drift?: DriftSupport;
}

/** An operation that cannot go on, with the reason the operator sees. */
export class OperationRefused extends Error {
  constructor(readonly explained: ExplainedError) {
    super(explained.reason);
    this.name = "OperationRefused";
  }
}

/** Why an operation is aborted when it outlives its deadline: it failed, nobody cancelled it. */
export class DeadlinePassed extends Error {}

/** The subject's fields that say why its last operation failed (servers and deployments alike). */
export const failurePatch = (e: ExplainedError) => ({ errorReason: e.reason, errorCode: e.code ?? null, errorAction: e.action, retryable: e.retryable });

/** The same fields cleared, once an operation succeeds. */
export const clearedFailure = { errorReason: null, errorCode: null, errorAction: null, retryable: null };
