// Issue 5 in Chromium: create a server through the form, watch it provision live over SSE until
// it is ready, see its node online on the Nodes tab, destroy it after confirming, and keep a
// screenshot of each step in test/artifacts/.
import { afterAll, beforeAll, expect, it } from "vitest";
import { serverById } from "../../state/servers.ts";
import { launchBrowser, listen, screenshot } from "../support/browser.ts";
import { ADMIN } from "../support/console.ts";
import { startBed, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
let site: Awaited<ReturnType<typeof listen>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  bed = await startBed();
  site = await listen(bed.console.app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await bed?.close();
});

it("creates a server through the form, watches it become ready live, sees its node online, and destroys it", async () => {
  const { page } = browser;
  const streams: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/events?")) streams.push(r.url());
  });

  await page.goto(`${site.url}/login`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/nodes$/);

  const tabs = page.getByRole("navigation", { name: "Infrastructure" });
  await tabs.getByRole("link", { name: "Cloud Servers" }).click();
  await page.waitForURL(/\/nodes\/cloud$/);
  await page.getByRole("heading", { name: "No cloud servers yet" }).waitFor();
  await screenshot(page, "provisioning-1-no-servers");
  await page.getByRole("link", { name: "Create server" }).click();
  await page.waitForURL(/\/nodes\/cloud\/new$/);

  // The catalog arrives through HTMX: locations, sizes with prices, images.
  await page.getByLabel("Name").fill("web-1");
  await page.getByLabel("Location").selectOption("nbg1");
  await page.locator(".size-option", { hasText: "cx32" }).waitFor();
  const cx32 = page.locator(".size-option", { hasText: "cx32" });
  await expect(cx32.textContent()).resolves.toContain("€8.09");
  await cx32.click();
  await page.locator("#estimate", { hasText: "€8.09" }).waitFor();
  await page.getByLabel("Image").selectOption("ubuntu-24.04");
  await screenshot(page, "provisioning-2-form");

  // Slow actions at the provider leave time to see the server being created.
  bed.hetzner.faults.set({ kind: "slow-actions", ms: 1500 });
  await page.getByRole("button", { name: "Create server" }).click();
  await page.waitForURL(/\/nodes\/cloud\/[0-9a-f-]{36}$/);
  const serverId = new URL(page.url()).pathname.split("/").pop()!;
  // Everything from here on arrives without a page load, through the SSE extension.
  await page.evaluate(() => {
    type Listener = (e: { detail: { type: string } }) => void;
    const g = globalThis as unknown as { stillHere: boolean; frames: number; document: { body: { addEventListener(t: string, f: Listener): void } } };
    g.stillHere = true;
    g.frames = 0;
    // Each fragment the SSE extension swaps in (steps, progress, log lines).
    g.document.body.addEventListener("htmx:sseMessage", (e) => void (e.detail.type === "frame" && g.frames++));
  });

  const seen = new Set<number>();
  const bar = page.getByRole("progressbar");
  await page.locator("#steps", { hasText: "server" }).waitFor({ timeout: 60_000 });
  seen.add(Number(await bar.getAttribute("aria-valuenow")));
  await screenshot(page, "provisioning-3-creating");
  for (const until = Date.now() + 90_000; Date.now() < until; ) {
    const value = Number(await bar.getAttribute("aria-valuenow").catch(() => "0"));
    seen.add(value);
    if (value === 100 && (await page.locator("#status-badge").textContent()) === "ready") break;
    await page.waitForTimeout(100);
  }
  expect(serverById(bed.console.deps.db, serverId)?.status).toBe("ready");
  await page.locator(".node-card .badge", { hasText: "online" }).waitFor();
  expect(await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
  expect(streams.length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (globalThis as unknown as { frames: number }).frames)).toBeGreaterThan(5);
  // The bar moved through intermediate values on its way to 100.
  expect([...seen].some((v) => v > 0 && v < 100)).toBe(true);
  expect(seen.has(100)).toBe(true);
  for (const name of ["ssh-key", "firewall", "server", "configure"]) {
    await expect(page.locator("#steps tr", { hasText: name }).locator(".badge").textContent()).resolves.toBe("done");
  }
  await expect(page.locator("#log").textContent()).resolves.toContain("Server status: ready");
  await screenshot(page, "provisioning-4-ready");

  await tabs.getByRole("link", { name: "Nodes" }).click();
  await page.waitForURL(/\/nodes$/);
  const row = page.locator("tr", { hasText: "web-1" });
  await expect(row.locator(".badge").textContent()).resolves.toBe("online");
  await expect(row.textContent()).resolves.toMatch(/127\.\d+\.\d+\.\d+/);
  await expect(row.textContent()).resolves.toContain("nbg1");
  await expect(row.textContent()).resolves.toContain("cx32");
  await screenshot(page, "provisioning-5-node-online");

  await row.getByRole("link", { name: "web-1" }).click();
  await page.waitForURL(new RegExp(`/nodes/cloud/${serverId}$`));
  await page.getByRole("link", { name: "Destroy…" }).click();
  await page.getByRole("heading", { name: "Destroy the server “web-1”?" }).waitFor();
  await screenshot(page, "provisioning-6-confirm-destroy");
  // Nothing happens until the operator confirms.
  expect(serverById(bed.console.deps.db, serverId)?.status).toBe("ready");
  await page.getByRole("button", { name: "Destroy server" }).click();
  await page.waitForURL(new RegExp(`/nodes/cloud/${serverId}$`));
  await page.locator("#status-badge", { hasText: "destroyed" }).waitFor({ timeout: 60_000 });
  await page.getByText("This server was destroyed").waitFor();
  await screenshot(page, "provisioning-7-destroyed");
  expect(bed.hetzner.state.servers()).toEqual([]);

  await tabs.getByRole("link", { name: "Cloud Servers" }).click();
  await page.getByRole("heading", { name: "No cloud servers yet" }).waitFor();
  await tabs.getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("heading", { name: "No nodes yet" }).waitFor();
});

it("follows the server by polling when the event stream cannot be reached", async () => {
  const { page } = browser;
  await page.route("**/events?**", (route) => route.abort());
  try {
    bed.hetzner.faults.set({ kind: "slow-actions", ms: 1000 });
    const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name: "no-sse", region: "fsn1", size: "cx22", image: "debian-12" });
    expect(res.status, res.text).toBe(202);
    const id = res.json().server.id;
    await page.goto(`${site.url}/nodes/cloud/${id}`);
    await page.evaluate(() => ((globalThis as unknown as { stillHere: boolean }).stillHere = true));
    await page.locator("#status-badge", { hasText: "ready" }).waitFor({ timeout: 90_000 });
    await page.locator(".node-card .badge", { hasText: "online" }).waitFor();
    await expect(page.locator("#steps tr", { hasText: "configure" }).locator(".badge").textContent()).resolves.toBe("done");
    expect(await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await screenshot(page, "provisioning-8-ready-by-polling");
    await bed.api.delete(`/servers/${id}`);
    await page.locator("#status-badge", { hasText: "destroyed" }).waitFor({ timeout: 60_000 });
  } finally {
    bed.hetzner.faults.clear("slow-actions");
    await page.unroute("**/events?**");
  }
});
