// The one list of stack kinds the engine runs operations for. A new kind is one module, added here.
import type { StackKind as StackKindId } from "../state/statuses.ts";
import type { StackKind } from "./kind.ts";
import { appKind } from "./app-kind.ts";
import { migrationKind } from "./migration-kind.ts";
import { serverKind } from "./server-kind.ts";

export const kinds: readonly StackKind[] = [serverKind, appKind, migrationKind];

export function findKind(id: StackKindId): StackKind {
  const kind = kinds.find((k) => k.id === id);
  if (!kind) throw new Error(`no stack kind ${JSON.stringify(id)} is registered`);
  return kind;
}
