// An app from the marketplace, the whole way through Chromium: a server created through its form
// and followed to ready, then from its node card to the marketplace, a search, the deploy form
// (by keyboard), the deployment followed live to running without a reload, its page answering on
// the node's address, its container's logs (shown, then followed) and usage, and its removal.
import type { Page } from "playwright-core";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { accessOf } from "../../engine/nodes.ts";
import { runOnNode } from "../../engine/node-exec.ts";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { launchBrowser, listen, screenshot } from "../support/browser.ts";
import { ADMIN } from "../support/console.ts";
import { startCloudBed, type Bed } from "../support/provisioning.ts";

let bed: Bed;
let site: Awaited<ReturnType<typeof listen>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: path.resolve(import.meta.dirname, "../catalog") }, { docker: true });
  site = await listen(bed.console.app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await bed?.close();
});

async function badge(page: Page, status: string, timeout = 180_000) {
  await page.locator("#status-badge", { hasText: new RegExp(`^${status}$`) }).waitFor({ timeout });
}

it("deploys the test bed's web page from a new server's node card, follows it live to running, reads its logs and removes it", async () => {
  const { page, context } = browser;
  try {
    await page.goto(`${site.url}/login`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/nodes$/);

    // A server, through its form.
    await page.goto(`${site.url}/nodes/cloud/new`);
    await page.getByLabel("Name").fill("apps-web");
    await page.getByLabel("Location").selectOption(bed.cloud.server.region);
    await page.locator(".size-option", { hasText: bed.cloud.server.size }).click();
    await page.getByLabel("Image").selectOption(bed.cloud.server.image);
    await page.getByRole("button", { name: "Create server" }).click();
    await page.waitForURL(/\/nodes\/cloud\/[0-9a-f-]{36}$/);
    const serverId = new URL(page.url()).pathname.split("/").pop()!;
    await badge(page, "ready", 120_000);
    await page.locator(".node-card .badge", { hasText: "online" }).waitFor();
    const ready = Date.now();
    const node = nodeOfServer(bed.console.deps.db, serverId)!;
    await page.locator(".node-card", { hasText: "No app is deployed on this node yet." }).waitFor();

    // From its node card to the marketplace, which keeps the node for the deploy.
    await page.getByRole("link", { name: "Deploy an app here" }).click();
    await page.waitForURL(new RegExp(`/marketplace\\?nodeId=${node.id}$`));
    await page.getByText("Choose an app to deploy onto the node").waitFor();
    await screenshot(page, "marketplace-1-catalog");
    // The search filters as one types, and the address keeps it.
    await page.getByLabel("Category").selectOption("Test bed");
    await page.waitForURL(/category=Test(%20|\+)bed/);
    await page.getByLabel("Search apps").fill("web");
    await page.waitForURL(/q=web&|q=web$/);
    await expect.poll(() => page.locator(".app-card").count()).toBe(1);
    await page.locator("#app-test-httpd").waitFor();
    await screenshot(page, "marketplace-2-search");

    await page.getByRole("link", { name: "Deploy Test bed web page" }).click();
    await page.waitForURL(/\/marketplace\/test-httpd\/deploy\?nodeId=/);
    await expect(page.getByLabel("Node").inputValue()).resolves.toBe(node.id);
    await expect(page.getByLabel("Name").inputValue()).resolves.toBe("test-httpd");
    await page.locator("#node-room", { hasText: "apps-web" }).waitFor();
    // By keyboard: the name has the focus; on to the greeting, and Enter sends the form.
    await page.keyboard.press("End");
    await page.keyboard.type("-1");
    const greeting = page.getByLabel(/^Greeting/);
    await greeting.focus();
    await greeting.fill("Hello from Chromium");
    await screenshot(page, "marketplace-3-deploy-form");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByText("Deploying test-httpd-1 onto apps-web").waitFor();

    // No reload from here: the page follows the deployment live.
    await page.evaluate(() => ((globalThis as unknown as { stayed: boolean }).stayed = true));
    await badge(page, "running", 60_000);
    expect(Date.now() - ready).toBeLessThan(60_000);
    await page.locator("#progress", { hasText: "100%" }).waitFor();
    await expect(page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).resolves.toBe(true);
    await expect(page.locator("#log").textContent()).resolves.toContain("Deployment status: running");
    await screenshot(page, "marketplace-4-running");

    // Its address, on the node.
    const url = await page.locator("#deployment-body .app-url").first().getAttribute("href");
    expect(url).toBe(`http://${node.address}:8080/`);
    const app = await context.newPage();
    await app.goto(url!);
    await expect(app.textContent("body")).resolves.toContain("Hello from Chromium");
    // Where else it shows: the list, its node's card, the Nodes tab's count.
    await app.goto(`${site.url}/deployments`);
    await app.locator(`#deployment-${id}`, { hasText: "running" }).waitFor();
    await screenshot(app, "marketplace-4b-list");
    await app.goto(`${site.url}/nodes/cloud/${serverId}`);
    await app.locator(".node-card", { hasText: "Apps on this node (1)" }).waitFor();
    await screenshot(app, "marketplace-4c-node-card");
    await app.goto(`${site.url}/nodes`);
    await app.getByRole("link", { name: "1 app on apps-web" }).waitFor();
    await app.close();

    // The container: usage, the last lines, then its logs followed as they come.
    await page.getByRole("button", { name: "Show usage" }).click();
    await page.locator("#usage", { hasText: "CPU" }).waitFor();
    await page.getByLabel("Lines").selectOption("500");
    await page.getByRole("button", { name: "Show logs" }).click();
    await page.locator("#logs", { hasText: "The last 500 lines" }).waitFor();
    await page.locator("#logs-output", { hasText: "response:200" }).waitFor();
    await page.getByRole("button", { name: "Follow" }).click();
    await page.locator("#logs-state-text", { hasText: "Following: the last 500 lines" }).waitFor();
    const lines = async () => ((await page.locator("#logs-output").textContent()) ?? "").split("response:200").length;
    await expect.poll(lines).toBeGreaterThan(1);
    const before = await lines();
    await fetch(`${url}?followed`);
    await expect.poll(lines, { timeout: 15_000 }).toBeGreaterThan(before);
    await screenshot(page, "marketplace-5-logs");
    await page.getByRole("button", { name: "Stop following" }).click();
    await page.locator("#logs", { hasText: "The last 500 lines" }).waitFor();
    // The follow stream ended with the panel: the page's own live stream is over too (running).
    const owner = deploymentById(bed.console.deps.db, id)!.userId;
    await expect.poll(() => bed.console.deps.streams.count(owner), { timeout: 10_000 }).toBe(0);

    // Removed after confirming, live again.
    await page.getByRole("link", { name: "Remove…" }).click();
    await page.getByRole("heading", { name: "Remove the deployment “test-httpd-1”?" }).waitFor();
    await screenshot(page, "marketplace-6-remove");
    expect(deploymentById(bed.console.deps.db, id)!.status).toBe("running");
    await page.getByRole("button", { name: "Remove deployment" }).click();
    await badge(page, "removed", 60_000);
    await page.getByText("This deployment was removed").waitFor();
    await screenshot(page, "marketplace-7-removed");
    const left = await runOnNode(accessOf(bed.console.deps, node)!, `docker ps -a --filter label=hoist.deployment=${id} --format '{{.Names}}'; docker volume ls --format '{{.Name}}'`);
    expect(left.stdout.trim()).toBe("");

    await page.goto(`${site.url}/nodes/cloud/${serverId}`);
    await page.locator(".node-card", { hasText: "Apps on this node (0)" }).waitFor();
  } catch (err) {
    await screenshot(page, "marketplace-failed");
    throw err;
  }
}, 300_000);
