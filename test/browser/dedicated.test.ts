// The dedicated node wizard through Chromium: from the Nodes tab, a deployment of a shared node
// chosen, the credential picked (the plan worked out again in place, the choices in the address),
// the recommended size and its cost shown, "Start provisioning" followed live to a ready dedicated
// node whose page links the migration screen with that deployment.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { launchBrowser, listen, screenshot } from "../support/browser.ts";
import { ADMIN } from "../support/console.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

let bed: Bed;
let site: Awaited<ReturnType<typeof listen>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let echo: string;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: path.resolve(import.meta.dirname, "../catalog") }, { docker: true });
  const res = await bed.api.post("/servers", bed.serverRequest("shared-web"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  const node = nodeOfServer(bed.console.deps.db, server.id)!;
  const dep = await bed.api.post("/deployments", { app: "test-echo", nodeId: node.id, name: "busy-echo", ports: { echo: 7096 } });
  echo = dep.json().deployment.id;
  for (const end = Date.now() + 120_000; deploymentById(bed.console.deps.db, echo)!.status !== "running"; ) {
    if (Date.now() > end) throw new Error("the deployment did not run");
    await new Promise((r) => setTimeout(r, 250));
  }
  site = await listen(bed.console.app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await bed?.close();
});

it("walks the wizard to a ready dedicated node and its “Move the deployments” link", async () => {
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
  await page.getByLabel(/busy-echo/).check();
  // htmx works the plan out again and keeps the choice in the address.
  await page.waitForURL(new RegExp(`deployments=${echo}`));
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
  await page.getByLabel("Server name").fill("dedicated-echo");
  await screenshot(page, "dedicated-1-plan");

  // A reload shows the same plan.
  await page.reload();
  await page.locator("#recommended", { hasText: size.toUpperCase() }).waitFor();
  await page.getByLabel("Server name").fill("dedicated-echo");

  await page.getByRole("button", { name: "Start provisioning" }).click();
  await page.waitForURL(/\/nodes\/cloud\/[0-9a-f-]{36}$/);
  const serverId = new URL(page.url()).pathname.split("/").pop()!;
  await page.locator("#dedicated", { hasText: "Made for busy-echo" }).waitFor();
  await page.locator("#status-badge", { hasText: /^ready$/ }).waitFor({ timeout: 180_000 });
  const link = page.getByRole("link", { name: "Move the deployments" });
  await link.waitFor({ timeout: 120_000 });
  const node = nodeOfServer(bed.console.deps.db, serverId)!;
  expect(node.pool).toBe("dedicated");
  expect(await link.getAttribute("href")).toBe(`/migrations/new?node=${node.id}&deployments=${echo}`);
  await screenshot(page, "dedicated-2-ready");
});
