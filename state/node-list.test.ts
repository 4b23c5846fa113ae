// The Nodes list's counts: each node's deployments (any not removed) and those of them with an
// open drift report, a server's own drift and closed reports not counted.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDb } from "./db.ts";
import { insertDeployment } from "./deployments.ts";
import { recordCheck, type DriftedResource } from "./drift.ts";
import { pageNodes } from "./node-list.ts";
import { deployments, nodes, users } from "./schema.ts";
import type { DeploymentStatus } from "./statuses.ts";

const changed: DriftedResource[] = [{ urn: "urn:pulumi:app::hoist::command:remote:Command::run", name: "run", type: "command:remote:Command", kind: "changed", properties: [] }];

describe("the Nodes list", () => {
  it("counts each node's deployments and those of them drifted, from the page's rows alone", () => {
    const db = openDb(":memory:");
    db.insert(users).values({ id: "u", email: "u@example.com", name: "u", role: "operator" }).run();
    for (const id of ["a", "b", "c"]) db.insert(nodes).values({ id, userId: "u", name: `node-${id}`, address: "127.0.0.9" }).run();
    const deploy = (nodeId: string, name: string, status: DeploymentStatus, drift?: "open" | "closed") => {
      const d = insertDeployment(db, { userId: "u", nodeId, app: "web", name, slug: name, stack: `app-${name}`, spec: {} as never });
      db.update(deployments).set({ status }).where(eq(deployments.id, d.id)).run();
      const subject = { stack: d.stack, stackKind: "app" as const, userId: "u", deploymentId: d.id };
      if (drift) recordCheck(db, subject, null, changed);
      if (drift === "closed") recordCheck(db, subject, null, []);
    };
    deploy("a", "one", "running", "open");
    deploy("a", "two", "running", "closed");
    deploy("a", "three", "failed", "open");
    deploy("a", "gone", "removed");
    deploy("b", "four", "running");
    // The server's own drift is not an app's.
    recordCheck(db, { stack: "server-b", stackKind: "server", userId: "u" }, null, changed);

    const counts = pageNodes(db, { userId: "u", all: false }, {}, { limit: 50 }).rows.map((r) => [r.node.id, r.deployments, r.driftedApps]);
    expect(counts).toEqual([
      ["a", 3, 2],
      ["b", 1, 0],
      ["c", 0, 0],
    ]);
  });
});
