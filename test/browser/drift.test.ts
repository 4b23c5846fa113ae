// Drift through Chromium: a server relabelled out of band; "Check for drift" on its page brings up
// the drift badge (there and on the Cloud Servers list); on the Drift page, Restore is previewed,
// then applied, and the report goes, as does the badge.
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchBrowser, listen, screenshot } from "../support/browser.ts";
import { ADMIN } from "../support/console.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { outOfBand } from "../drift/out-of-band.ts";

let bed: Bed;
let site: Awaited<ReturnType<typeof listen>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_DRIFT_INTERVAL: "0" });
  site = await listen(bed.console.app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await bed?.close();
});

it("shows the drift badge, and Restore from the Drift page clears it", async () => {
  const res = await bed.api.post("/servers", bed.serverRequest("drifting"));
  expect(res.status, res.text).toBe(202);
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  await outOfBand(bed.cloud).relabel(String(server.outputs!.providerId));

  const { page } = browser;
  await page.goto(`${site.url}/login`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/nodes$/);

  await page.goto(`${site.url}/nodes/cloud/${server.id}`);
  await expect(page.locator(".drift-badge").count()).resolves.toBe(0);
  await page.getByRole("button", { name: "Check for drift" }).click();
  // The page follows the check live and shows the badge once it finds the drift.
  const badge = page.locator(".server-head .drift-badge");
  await badge.waitFor({ timeout: 120_000 });
  await expect(badge.textContent()).resolves.toContain("drift · 1");
  await screenshot(page, "drift-1-server-badge");
  await page.goto(`${site.url}/nodes/cloud`);
  await page.locator("tr", { hasText: "drifting" }).locator(".drift-badge").waitFor();

  await page.getByRole("link", { name: "Drift", exact: true }).click();
  await page.waitForURL(/\/drift$/);
  const report = page.locator(".drift-report", { hasText: "drifting" });
  await expect(report.locator("tr", { hasText: "labels.team" }).textContent()).resolves.toContain("ops");
  await report.getByRole("button", { name: "Restore…" }).click();
  // The preview comes first: what Restore will change, then Apply.
  await report.getByRole("button", { name: "Apply Restore" }).waitFor({ timeout: 120_000 });
  await expect(report.locator(".remediation tr", { hasText: "labels" }).first().textContent()).resolves.toContain("team");
  await screenshot(page, "drift-2-restore-preview");
  await report.getByRole("button", { name: "Apply Restore" }).click();
  await page.getByText("No drift", { exact: true }).waitFor({ timeout: 180_000 });
  await screenshot(page, "drift-3-cleared");

  await page.goto(`${site.url}/nodes/cloud/${server.id}`);
  await page.locator("#drift-card .badge", { hasText: "no drift" }).waitFor();
  await expect(page.locator(".drift-badge").count()).resolves.toBe(0);
  // Restored at the provider: the label added out of band is gone.
  const at = await fetch(`${bed.cloud.url}/servers/${server.outputs!.providerId}`, { headers: { authorization: `Bearer ${bed.cloud.credential.token}` } });
  expect(((await at.json()) as { server: { labels: Record<string, string> } }).server.labels).not.toHaveProperty("team");
});
