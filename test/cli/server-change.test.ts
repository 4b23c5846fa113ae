// `hoist preview|up` on a server with a resize proposed in the console and waiting: the preview is
// Pulumi's plan of that resize (what the console's Apply runs), exit 0, nothing changed; `up`
// applies it as the console's Apply would (the change applied, the provider's server resized).
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeById } from "../../state/changes.ts";
import { serverOperations } from "../../state/operations.ts";
import { serverById } from "../../state/servers.ts";
import { ADMIN } from "../support/console.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";
import { auditOf, hoist } from "./support.ts";

let bed: Bed;
let id: string;
const STACK = "server-resized";
const providerServer = () => bed.hetzner.state.servers().find((s) => s.name === "resized")!;

beforeAll(async () => {
  bed = await startBed();
  const res = await bed.api.post("/servers", bed.serverRequest("resized", { size: "cx22" }));
  expect(res.status, res.text).toBe(202);
  id = res.json().server.id;
  const ready = await waitForStatus(bed, id, ["ready", "failed"]);
  expect(ready.status, ready.errorReason ?? "").toBe("ready");
});
afterAll(async () => {
  await bed?.close();
});

async function previewed(changeId: string) {
  for (const until = Date.now() + 120_000; ; ) {
    const c = changeById(bed.console.deps.db, changeId)!;
    if (c.status !== "previewing") return c;
    if (Date.now() > until) throw new Error("the console's preview did not finish");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("hoist on a server with a resize waiting", () => {
  it("previews the resize the console would apply, exit 0, and applies it on up", async () => {
    const proposed = await bed.api.post(`/servers/${id}/changes`, { size: "cx32" });
    expect(proposed.status, proposed.text).toBe(202);
    const change = await previewed(proposed.json().id);
    expect(change.status).toBe("previewed");

    const preview = await hoist(bed, ["preview", STACK]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`Previewing the change proposed by ${ADMIN.email} on `);
    expect(preview.stdout).toContain(`(change ${change.id}, previewed): what the console's Apply runs.`);
    expect(preview.stdout).toMatch(/~ hcloud:index\/server:Server: \(update\)/);
    expect(preview.stdout).toMatch(/~ serverType\s*: "cx22" => "cx32"/);
    expect(preview.stdout).toMatch(/\b1 to update\b/);
    // Only a preview: the provider's server, the server row and the change are as they were.
    expect(providerServer().server_type.name).toBe("cx22");
    expect(serverById(bed.console.deps.db, id)!.size).toBe("cx22");
    expect(changeById(bed.console.deps.db, change.id)!.status).toBe("previewed");

    // --declared previews what the server declares now: nothing to do.
    const declared = await hoist(bed, ["preview", STACK, "--declared"]);
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.stdout).not.toContain("Previewing the change");
    expect(declared.stdout).toMatch(/\nno changes\n$/);

    const up = await hoist(bed, ["up", STACK, "--yes"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`${STACK}: the server is ready.`);
    expect(changeById(bed.console.deps.db, change.id)!.status).toBe("applied");
    expect(providerServer().server_type.name).toBe("cx32");
    expect(serverById(bed.console.deps.db, id)!.size).toBe("cx32");
    expect(serverOperations(bed.console.deps.db, id)[0]).toMatchObject({ kind: "up", status: "succeeded", params: { cli: os.userInfo().username, changeId: change.id } });
    expect(auditOf(bed, "cli.up")[0]!.detail).toContain(`applying change ${change.id}`);
  });

  it("asks for the stack's name before applying a rebuild, which loses the server's data", async () => {
    const images = (await bed.api.get(`/credentials/${bed.credentialId}/images`)).json().images as { id: string }[];
    const other = images.find((i) => i.id !== serverById(bed.console.deps.db, id)!.image)!;
    const before = providerServer().id;
    const proposed = await bed.api.post(`/servers/${id}/changes`, { image: other.id });
    expect(proposed.status, proposed.text).toBe(202);
    const change = await previewed(proposed.json().id);
    expect(change.status).toBe("previewed");

    const yes = await hoist(bed, ["up", STACK], "y\n");
    expect(yes.code).toBe(1);
    expect(yes.stderr).toContain(`This change replaces server of ${STACK}: what is stored there is lost.`);
    expect(yes.stderr).toContain(`Type the stack's name (${STACK}) to apply it:`);
    expect(yes.stderr).toContain("nothing was changed");
    expect(providerServer().id).toBe(before);
    expect(changeById(bed.console.deps.db, change.id)!.status).toBe("previewed");

    const typed = await hoist(bed, ["up", STACK], `${STACK}\n`);
    expect(typed.code, typed.stderr).toBe(0);
    expect(changeById(bed.console.deps.db, change.id)!.status).toBe("applied");
    expect(providerServer().id).not.toBe(before);
    expect(serverById(bed.console.deps.db, id)!).toMatchObject({ status: "ready", image: other.id });
  });
});
