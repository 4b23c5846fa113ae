// Tables only, one file a concern in ./schema/ (drizzle.config.ts reads this index). Statuses
// come from ./statuses.ts; repositories live beside this file.
export * from "./schema/accounts.ts";
export * from "./schema/fleet.ts";
export * from "./schema/apps.ts";
export * from "./schema/operations.ts";
export * from "./schema/drift.ts";
export * from "./schema/instance.ts";
export * from "./schema/capacity.ts";
