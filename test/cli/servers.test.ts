// The `hoist` CLI on a server's stack, as a real child process beside a running console on the
// same data folder: stacks lists it; drift reads what the provider holds and writes nothing;
// refresh records it; up previews, asks, and applies only on yes; the CLI's operations are in the
// server's history and the audit log, named after the OS user; the CLI refuses while the console
// runs an operation on the stack and the console refuses while the CLI runs one; a broken stack
// exits non-zero; destroy asks for the stack's name.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quote } from "../../stacks/shell.ts";
import { serverOperations } from "../../state/operations.ts";
import { serverById, updateServer } from "../../state/servers.ts";
import { findUserByEmail } from "../../state/users.ts";
import { ADMIN } from "../support/console.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";
import { auditOf, hoist, operationWhere, startHoist } from "./support.ts";

const run = promisify(execFile);
let bed: Bed;
let id: string;
const STACK = "server-shell-1";
const me = `cli:${os.userInfo().username}`;
const providerServer = () => bed.hetzner.state.servers().find((s) => s.name === "shell-1")!;
const history = () => serverOperations(bed.console.deps.db, id);

beforeAll(async () => {
  bed = await startBed();
  const res = await bed.api.post("/servers", bed.serverRequest("shell-1", { size: "cx22" }));
  expect(res.status, res.text).toBe(202);
  id = res.json().server.id;
  const ready = await waitForStatus(bed, id, ["ready", "failed"]);
  expect(ready.status, ready.errorReason ?? "").toBe("ready");
});
afterAll(async () => {
  await bed?.close();
});

describe("hoist on a server's stack", () => {
  it("lists it with its kind, owner, status and last operation", async () => {
    const listed = await hoist(bed, ["stacks"]);
    expect(listed.code, listed.stderr).toBe(0);
    const [head, row] = listed.stdout.trim().split("\n");
    expect(head).toMatch(/^STACK\s+KIND\s+OWNER\s+STATUS\s+LAST OPERATION\s+DRIFT$/);
    expect(row).toMatch(new RegExp(`^${STACK}\\s+server\\s+${ADMIN.email}\\s+ready\\s+up succeeded \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+-$`));

    const json = await hoist(bed, ["stacks", "--json"]);
    expect(JSON.parse(json.stdout).stacks).toEqual([
      expect.objectContaining({ stack: STACK, kind: "server", name: "shell-1", owner: ADMIN.email, status: "ready", drift: "-", lastOperation: expect.objectContaining({ kind: "up", status: "succeeded", fromCli: false }) }),
    ]);
  });

  it("finds drift without writing it, and records it on refresh", async () => {
    const clean = await hoist(bed, ["drift", STACK]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/\nno drift\n$/);

    // Someone resizes the server in the provider's own console.
    bed.hetzner.outOfBand.changeType(providerServer().id, "cx32");
    const found = await hoist(bed, ["drift", STACK]);
    expect(found.code, found.stderr).toBe(0);
    // Pulumi's own output, with the property that differs.
    expect(found.stdout).toMatch(/~ +hcloud:index:Server server update \[diff: [^\]]*serverType\]/);
    expect(found.stdout).toMatch(/\ndrift: 1 to update to bring the state in line with what is there\n$/);
    // Nothing was written: a second look finds the same.
    expect((await hoist(bed, ["drift", STACK])).stdout).toMatch(/drift: 1 to update/);
    expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");

    // Refresh shows the same, asks, and on no writes nothing.
    const declined = await hoist(bed, ["refresh", STACK], "n\n");
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain("Record this in server-shell-1's state? [y/N]");
    expect(declined.stderr).toContain("not confirmed; nothing was changed");
    expect(history().filter((o) => o.kind === "refresh")).toEqual([]);
    expect((await hoist(bed, ["drift", STACK])).stdout).toMatch(/drift: 1 to update/);

    const refreshed = await hoist(bed, ["refresh", STACK, "--yes"]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout).toContain("server-shell-1: the server is ready.");
    expect((await hoist(bed, ["drift", STACK])).stdout).toMatch(/\nno drift\n$/);

    // Each is an operation of the server's, run by the CLI, and audited with who ran it.
    const [refresh] = history().filter((o) => o.kind === "refresh");
    expect(refresh).toMatchObject({ status: "succeeded", params: { cli: os.userInfo().username }, userId: null });
    expect(refresh!.workerId).toMatch(/./);
    expect(history().filter((o) => o.kind === "drift").length).toBe(7);
    expect(auditOf(bed, "cli.refresh")[0]).toMatchObject({ actor: me, outcome: "ok", targetType: "server", targetId: id });
    expect(auditOf(bed, "cli.drift")[0]).toMatchObject({ actor: me, targetId: id });
    // The console's own API shows them in the server's history, titled as the CLI's.
    const ops = (await bed.api.get(`/servers/${id}`)).json().operations as { id: string; kind: string }[];
    expect(ops.map((o) => o.id)).toContain(refresh!.id);
    expect((await bed.admin.get(`/nodes/cloud/${id}`)).text).toContain(`Refresh (hoist CLI, ${os.userInfo().username})`);
  });

  it("previews an up, changes nothing when the answer is no, and applies it on --yes", async () => {
    // The server is declared bigger than it is (cx32 since the refresh).
    updateServer(bed.console.deps.db, id, { size: "cx42" });
    const before = history().length;
    const declined = await hoist(bed, ["up", STACK], "n\n");
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(/~ serverType\s*: "cx32" => "cx42"/);
    expect(declined.stdout).toContain("1 to update");
    expect(declined.stderr).toContain("Apply this to server-shell-1? [y/N]");
    expect(providerServer().server_type.name).toBe("cx32");
    expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");
    // Only the preview ran.
    expect(history().slice(0, history().length - before).map((o) => o.kind)).toEqual(["preview"]);

    const applied = await hoist(bed, ["up", STACK, "--yes", "--as", ADMIN.email]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain("server-shell-1: the server is ready.");
    expect(providerServer().server_type.name).toBe("cx42");
    const [up] = history().filter((o) => o.kind === "up");
    expect(up).toMatchObject({ status: "succeeded", params: { cli: os.userInfo().username }, userId: findUserByEmail(bed.console.deps.db, ADMIN.email)!.id });
    // --as names the Hoist user, the OS user kept in the detail.
    const [audited] = auditOf(bed, "cli.up");
    expect(audited).toMatchObject({ actor: ADMIN.email, targetId: id });
    expect(audited!.detail).toContain(`OS user ${os.userInfo().username}`);
  });

  it("refuses while the console runs an operation on the stack, and the console refuses while the CLI runs one", async () => {
    bed.hetzner.faults.set({ kind: "slow-actions", ms: 6000 });
    try {
      expect((await bed.api.post(`/servers/${id}/stop`)).status).toBe(202);
      await operationWhere(bed, () => history().find((o) => o.kind === "power" && o.status === "running"));
      const refused = await hoist(bed, ["drift", STACK]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`${STACK} is busy: the console \\(${ADMIN.email}\\) is running its power`));
      expect(history().filter((o) => o.kind === "drift" && o.status !== "succeeded")).toEqual([]);
      expect((await waitForStatus(bed, id, ["stopped", "failed"])).status).toBe("stopped");

      // An up of a stopped server is not in the status machine: refused before anything runs.
      const stopped = await hoist(bed, ["up", STACK, "--yes"]);
      expect(stopped.code).toBe(1);
      expect(stopped.stderr).toContain("the server server-shell-1 is stopped: `hoist up` runs when it is");
      expect((await bed.api.post(`/servers/${id}/start`)).status).toBe(202);
      expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");

      // The CLI's up holds the server (updating) while it resizes; the console refuses meanwhile.
      updateServer(bed.console.deps.db, id, { size: "cx52" });
      const running = startHoist(bed, ["up", STACK, "--yes"]);
      const op = await operationWhere(bed, () => history().find((o) => o.kind === "up" && o.status === "running"));
      expect(op.params).toMatchObject({ cli: os.userInfo().username });
      expect(serverById(bed.console.deps.db, id)!.status).toBe("updating");
      const stop = await bed.api.post(`/servers/${id}/stop`);
      expect(stop.status).toBe(409);
      expect(stop.text).toContain("this one is updating");
      // A second CLI is refused too, naming the first.
      const second = await hoist(bed, ["drift", STACK]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`is busy: another hoist command (${os.userInfo().username}) is running its up (operation ${op.id})`);
      const finished = await running.done;
      expect(finished.code, finished.stderr).toBe(0);
      expect(providerServer().server_type.name).toBe("cx52");
      expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");
    } finally {
      bed.hetzner.faults.clear("slow-actions");
    }
  });

  it("exits non-zero when the stack is broken, saying why", async () => {
    const { backendUrl } = await bed.console.deps.engine.pulumi();
    const checkpoint = path.join(backendUrl.slice("file://".length), ".pulumi", "stacks", "hoist", `${STACK}.json`);
    const kept = fs.readFileSync(checkpoint);
    fs.writeFileSync(checkpoint, "{ not a checkpoint");
    try {
      const broken = await hoist(bed, ["preview", STACK]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/hoist: the preview of server-shell-1 failed: /);
      expect(history()[0]).toMatchObject({ kind: "preview", status: "failed" });
    } finally {
      fs.writeFileSync(checkpoint, kept);
    }
    const fixed = await hoist(bed, ["preview", STACK]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/\nno changes\n$/);
    // Usage errors are told apart: exit status 2, with the usage.
    const usage = await hoist(bed, ["drift", STACK, "--yes"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("drift takes no --yes");
    expect(usage.stderr).toContain("usage: hoist preview <stack>");
  });

  it("prints the settings for the official pulumi CLI, the passphrase only in a private file", async () => {
    const env = await hoist(bed, ["env", STACK]);
    expect(env.code, env.stderr).toBe(0);
    const settings = await bed.console.deps.engine.pulumi();
    const file = path.join(bed.console.dataDir, "pulumi-passphrase");
    expect(env.stdout).toContain(`export PULUMI_CONFIG_PASSPHRASE_FILE=${file}\n`);
    expect(env.stdout).toContain(`export PULUMI_BACKEND_URL=${settings.backendUrl}\n`);
    expect(env.stdout).toContain(`export PULUMI_STACK=${STACK}\n`);
    expect(env.stdout).toContain(`cd ${path.join(settings.stacksDir, STACK)}`);
    expect(env.stdout).not.toContain(settings.passphrase.reveal());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, "utf8")).toBe(settings.passphrase.reveal());

    // The work folder holds the project the official CLI reads: Hoist's program, the same backend, the stack's config.
    const dir = path.join(settings.stacksDir, STACK);
    const project = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
    expect(project).toMatch(/^name: hoist$/m);
    expect(project).toMatch(/runtime:\s+name: nodejs/);
    expect(project).toMatch(/nodeargs: '--import tsx'/);
    expect(path.resolve(dir, /^main: (.+)$/m.exec(project)![1]!)).toBe(path.resolve(import.meta.dirname, "../../stacks/entry.ts"));
    expect(project).toContain(`url: ${settings.backendUrl}`);
    const config = fs.readFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), "utf8");
    expect(config).toMatch(/encryptionsalt: /);
    expect(config).toContain("hoist:size: cx52");
    expect(config).toMatch(/hoist:sshPrivateKey:\s+secure: /);

    // The official CLI (no language host needed to read config and state) opens the stack's secrets there.
    const { PULUMI_CONFIG_PASSPHRASE: _p, PULUMI_BACKEND_URL: _b, PULUMI_HOME: _h, ...clean } = process.env;
    const pulumi = quote(settings.cli.command);
    const script = `set -e\n${env.stdout}\n${pulumi} stack --show-name\n${pulumi} config get hoist:size\n${pulumi} config get hoist:sshPrivateKey | head -n 1\npwd`;
    const official = await run("bash", ["-c", script], { cwd: os.tmpdir(), env: clean });
    expect(official.stdout.split("\n")).toEqual([STACK, "cx52", expect.stringMatching(/^-----BEGIN [A-Z ]*PRIVATE KEY-----$/), dir, ""]);
  });

  it("destroys the server only when its stack's name is typed", async () => {
    const wrong = await hoist(bed, ["destroy", STACK], "shell-1\n");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`Type the stack's name (${STACK}) to confirm:`);
    expect(wrong.stderr).toContain("nothing was changed");
    expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");
    expect(bed.hetzner.state.servers()).toHaveLength(1);

    const gone = await hoist(bed, ["destroy", STACK], `${STACK}\n`);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toContain(`${STACK}: the server is gone, and its stack with it.`);
    expect(gone.stdout).toMatch(/- hcloud:index\/server:Server: \(delete\)/);
    expect(serverById(bed.console.deps.db, id)!.status).toBe("destroyed");
    expect(bed.hetzner.state.servers()).toEqual([]);
    expect(history()[0]).toMatchObject({ kind: "destroy", status: "succeeded", params: { cli: os.userInfo().username } });
    expect(auditOf(bed, "cli.destroy")[0]).toMatchObject({ actor: me, targetId: id });
    expect((await hoist(bed, ["stacks"])).stdout).toContain("No stacks yet");
  });
});
