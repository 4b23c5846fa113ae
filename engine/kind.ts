// What a kind of stack (a server, an app deployment, …) gives the engine: its status machine, the
// stack config of one of its stacks, a runner for each operation it supports, and how its
// failures read and what crash recovery may adopt. The engine core names no kind; the one list of
// kinds is engine/kinds.ts.
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
  /** The gateway, when Hoist runs one (app routes follow their deployments). */
  gateway?: GatewayPort;
}

/** One running operation, as its runner sees it. */
export interface Run extends KindContext {
  op: Operation;
  /** Aborted on cancel, deadline or shutdown; every long call takes it. */
  signal: AbortSignal;
  record(e: HoistEvent): void;
  /** Moves the subject by `event`, only while it is in a status this operation holds; records the move. */
  move(event: string, patch?: Record<string, unknown>): string | undefined;
}

export type Runner = (run: Run) => Promise<void>;

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
