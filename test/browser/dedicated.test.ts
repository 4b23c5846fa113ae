// The dedicated node wizard through Chromium: from the Nodes tab, a deployment of a shared node
// chosen, the credential picked (the plan worked out again in place, the choices in the address),
// the recommended size and its cost shown, "Start provisioning" followed live to a ready dedicated
// node whose page links the migration screen with that deployment; then the migration started
// there and watched live on its page until the deployment has moved, and the app answering
// through the gateway (Hoist's real HAProxy on a leased loopback address) from the new node.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { launchBrowser, listen, screenshot } from "../support/browser.ts";
import { ADMIN } from "../support/console.ts";
import { gatewayEnv, leaseLoopback, viaGateway } from "../support/gateway.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

const GREETING = "wizard-shop-secret-1";
let bed: Bed;
let gw: Awaited<ReturnType<typeof leaseLoopback>>;
let site: Awaited<ReturnType<typeof listen>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let shop: string;
let hostname: string;

beforeAll(async () => {
  gw = await leaseLoopback();
  bed = await startCloudBed(
    "hetzner",
    gatewayEnv(gw.address, { HOIST_CATALOG_DIRS: path.resolve(import.meta.dirname, "../catalog"), HOIST_MIGRATION_GRACE: "2", HOIST_MIGRATION_HEALTH_TIMEOUT: "30", HOIST_MIGRATION_WATCH: "8", HOIST_MONITOR_INTERVAL: "5" }),
    { docker: true },
  );
  await bed.console.deps.gateway.start();
  const res = await bed.api.post("/servers", bed.serverRequest("shared-web"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  const node = nodeOfServer(bed.console.deps.db, server.id)!;
  const dep = await bed.api.post("/deployments", { app: "test-secret", nodeId: node.id, name: "busy-shop", ports: { web: 8097 }, env: { GREETING } });
  expect(dep.status, dep.text).toBe(202);
  shop = dep.json().deployment.id;
  for (const end = Date.now() + 120_000; deploymentById(bed.console.deps.db, shop)!.status !== "running"; ) {
    if (Date.now() > end) throw new Error(`the deployment is ${deploymentById(bed.console.deps.db, shop)!.status}, not running`);
    await new Promise((r) => setTimeout(r, 250));
  }
  hostname = (await bed.api.get(`/deployments/${shop}`)).json().gateway.hostname;
  site = await listen(bed.console.app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await bed?.close();
  gw?.release();
});

it("walks the wizard to a ready dedicated node, then follows its migration live until the app answers from there", async () => {
  const { page } = browser;
  // The plan measures the apps over SSH when they have no sample yet: slow on a loaded machine.
  page.setDefaultTimeout(90_000);
  await page.goto(`${site.url}/login`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/nodes$/);

  await page.getByRole("link", { name: "Move apps to a dedicated node…" }).click();
  await page.waitForURL(/\/nodes\/dedicated\/new$/);
  await page.getByLabel(/busy-shop/).check();
  // htmx works the plan out again and keeps the choice in the address.
  await page.waitForURL(new RegExp(`deployments=${shop}`));
  await page.locator("#plan").waitFor();
  await page.getByLabel("Credential").selectOption(bed.credentialId);
  await page.getByLabel("Location").waitFor();
  await page.getByLabel("Location").selectOption("fsn1");
  await page.waitForURL(/region=fsn1/);
  // The size chosen is the one recommended from what was measured (the emulated node reads this
  // machine's CPU, so which size that is depends on how busy the machine is).
  await expect.poll(() => page.getByLabel("Size").inputValue(), { timeout: 60_000 }).not.toBe("");
  const size = await page.getByLabel("Size").inputValue();
  await page.locator("#recommended", { hasText: size.toUpperCase() }).waitFor();
  await page.locator("#cost", { hasText: "/month" }).waitFor();
  await page.locator("#headroom", { hasText: "On the new node after the move" }).waitFor();
  await expect(page.locator("#undersize").count()).resolves.toBe(0);
  await page.getByLabel("Server name").fill("dedicated-shop");
  await screenshot(page, "dedicated-1-plan");

  // A reload shows the same plan.
  await page.reload();
  await page.locator("#recommended", { hasText: size.toUpperCase() }).waitFor();
  await page.getByLabel("Server name").fill("dedicated-shop");

  await page.getByRole("button", { name: "Start provisioning" }).click();
  await page.waitForURL(/\/nodes\/cloud\/[0-9a-f-]{36}$/);
  const serverId = new URL(page.url()).pathname.split("/").pop()!;
  await page.locator("#dedicated", { hasText: "Made for busy-shop" }).waitFor();
  await page.locator("#status-badge", { hasText: /^ready$/ }).waitFor({ timeout: 180_000 });
  const link = page.getByRole("link", { name: "Move the deployments" });
  await link.waitFor({ timeout: 120_000 });
  const node = nodeOfServer(bed.console.deps.db, serverId)!;
  expect(node.pool).toBe("dedicated");
  expect(await link.getAttribute("href")).toBe(`/migrations/new?node=${node.id}&deployments=${shop}`);
  await screenshot(page, "dedicated-2-ready");

  // The app answers through the gateway from the shared node before the move.
  const before = await viaGateway(gw.address, hostname);
  expect(before.status, before.body).toBe(200);
  expect(before.body).toContain(GREETING);

  // The monitor samples the nodes from now on (the migration summary's headroom is read from it).
  bed.console.deps.monitor.start();

  // The confirmation lists what moves and how; starting it opens the migration's live page.
  await link.click();
  await page.waitForURL(/\/migrations\/new\?/);
  await page.getByRole("row", { name: /busy-shop/ }).getByText("Without downtime").waitFor();
  await page.locator("#start-migration").click();
  await page.waitForURL(/\/migrations\/[0-9a-f-]{36}$/);
  const migrationId = new URL(page.url()).pathname.split("/").pop()!;
  const row = page.locator(`tr[data-deployment="${shop}"]`);
  await row.waitFor();

  // Mid-way: the page moves on by itself (no reload) through the steps of the move.
  const moving = page.locator(`tr[data-deployment="${shop}"]:not([data-step="waiting"]):not([data-step="moved"])`);
  await moving.waitFor({ timeout: 180_000 });
  // Read from one rendering of the body (the poller may swap it in between two reads).
  const midway = await page.locator("#migration-body").evaluate((b) => ({ status: b.querySelector("#migration-head .badge")?.textContent, step: b.querySelector("tr[data-step]")?.getAttribute("data-step") }));
  await screenshot(page, "dedicated-3-migrating");
  expect(midway.status).toBe("running");
  expect(midway.step).not.toMatch(/^(waiting|moved)$/);

  // The end: every row moved, the migration succeeded, its summary filled in.
  await page.locator('tr[data-step="moved"]').first().waitFor({ timeout: 240_000 });
  await page.locator("#migration-head .badge", { hasText: /^succeeded$/ }).waitFor({ timeout: 60_000 });
  const steps = await page.locator("tr[data-step]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-step")));
  expect(steps).toEqual(["moved"]);
  await expect(row.locator("td").nth(3).textContent()).resolves.toMatch(/^\d+ ms$/);
  await expect(row.locator("td").nth(4).textContent()).resolves.toMatch(/^\d+ ms$/);
  const done = (await bed.api.get(`/migrations/${migrationId}`)).json();
  expect(done.status, JSON.stringify(done)).toBe("succeeded");
  // The summary's headroom on the new node comes with the monitor's first sample of it after the
  // move; a reload shows it, and the same finished migration.
  await expect.poll(async () => (await bed.api.get(`/migrations/${migrationId}`)).json().items[0].headroom.after, { timeout: 60_000 }).not.toBeNull();
  await page.reload();
  await row.locator("td.headroom", { hasText: /→ CPU [\d.]+% free, memory [\d.]+% free/ }).waitFor();
  await page.locator("#migration-head .badge", { hasText: /^succeeded$/ }).waitFor();
  await screenshot(page, "dedicated-4-migrated");

  // The same hostname now answers from the dedicated node.
  expect(deploymentById(bed.console.deps.db, shop)!.nodeId).toBe(node.id);
  const after = await viaGateway(gw.address, hostname);
  expect(after.status, after.body).toBe(200);
  expect(after.body).toContain(GREETING);
}, 720_000);
