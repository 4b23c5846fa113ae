// One server on each cloud, the whole way through Chromium: the create form with that cloud's
// live catalog and currency, the server page following it live to ready, then Stop, Start and
// Destroy (after confirming) from its page. The three run side by side in pages of their own.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { nodeOfServer } from "../../state/nodes.ts";
import { serverById } from "../../state/servers.ts";
import { launchBrowser, listen, screenshot } from "../support/browser.ts";
import { ADMIN } from "../support/console.ts";
import { CLOUD_IDS, type EmulatedCloud } from "../support/clouds.ts";
import { startCloudBed, type Bed } from "../support/provisioning.ts";

let bed: Bed;
let site: Awaited<ReturnType<typeof listen>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  bed = await startCloudBed([...CLOUD_IDS]);
  site = await listen(bed.console.app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await bed?.close();
});

const currencies: Record<string, RegExp> = { hetzner: /€\d+\.\d\d/, digitalocean: /\$\d+\.\d\d/, aws: /\$\d+\.\d\d/ };

async function badge(page: Page, status: string, timeout = 180_000) {
  await page.locator("#status-badge", { hasText: new RegExp(`^${status}$`) }).waitFor({ timeout });
}

/** Creates `name` on `cloud` through the form and takes it through its life; returns its id. */
async function lifeOnCloud(page: Page, cloud: EmulatedCloud, credentialId: string, name: string): Promise<string> {
  await page.goto(`${site.url}/nodes/cloud/new`);
  await page.getByLabel("Credential").selectOption(credentialId);
  await page.getByLabel("Name").fill(name);
  // The catalog follows the credential through HTMX.
  await page.getByLabel("Location").selectOption(cloud.server.region);
  const size = page.locator(".size-option", { hasText: cloud.server.size });
  await size.waitFor();
  await expect(size.textContent()).resolves.toMatch(currencies[cloud.id]!);
  await size.click();
  await page.locator("#estimate", { hasText: currencies[cloud.id]! }).waitFor();
  await page.getByLabel("Image").selectOption(cloud.server.image);
  await screenshot(page, `clouds-${cloud.id}-1-form`);
  await page.getByRole("button", { name: "Create server" }).click();
  await page.waitForURL(/\/nodes\/cloud\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split("/").pop()!;

  // No reload from here: the page follows the server live.
  await badge(page, "ready");
  await page.locator(".node-card .badge", { hasText: "online" }).waitFor();
  await expect(page.locator(".node-card").textContent()).resolves.toContain(cloud.loginUser);
  await screenshot(page, `clouds-${cloud.id}-2-ready`);
  expect(nodeOfServer(bed.console.deps.db, id)?.state).toBe("online");

  await page.getByRole("button", { name: "Stop" }).click();
  await badge(page, "stopped");
  await page.getByRole("button", { name: "Start" }).click();
  await badge(page, "ready");
  await page.locator(".node-card .badge", { hasText: "online" }).waitFor();

  await page.getByRole("link", { name: "Destroy…" }).click();
  await page.getByRole("heading", { name: `Destroy the server “${name}”?` }).waitFor();
  expect(serverById(bed.console.deps.db, id)?.status).toBe("ready");
  await page.getByRole("button", { name: "Destroy server" }).click();
  await badge(page, "destroyed");
  await screenshot(page, `clouds-${cloud.id}-3-destroyed`);
  return id;
}

it("creates, stops, starts and destroys a server on each cloud from the browser", async () => {
  const { page, context } = browser;
  await page.goto(`${site.url}/login`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/nodes$/);

  const pages = [page, await context.newPage(), await context.newPage()];
  const ids = await Promise.all(
    bed.clouds.map(({ cloud, credentialId }, i) =>
      lifeOnCloud(pages[i]!, cloud, credentialId, `web-${cloud.id}`).catch(async (err: Error) => {
        await screenshot(pages[i]!, `clouds-${cloud.id}-failed`);
        throw new Error(`${cloud.id}: ${err.message}`);
      }),
    ),
  );
  for (const id of ids) expect(serverById(bed.console.deps.db, id)?.status).toBe("destroyed");
  for (const { cloud } of bed.clouds) expect(await cloud.resources()).toEqual({ servers: 0, keys: 0, firewalls: 0 });
});
