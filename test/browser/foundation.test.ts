// In Chromium: first-run admin creation, sign in, add a credential, see it listed without its
// secret, delete it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";
import { launchBrowser, listen, screenshot } from "../support/browser.ts";
import { setupCode, startConsole, type TestConsole } from "../support/console.ts";

let hosts: HostPool;
let hetzner: HetznerEmulator;
let t: TestConsole;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  hosts = await HostPool.create();
  hetzner = await startHetznerEmulator({ hosts });
  t = startConsole({ HOIST_ENDPOINT_HETZNER: hetzner.url });
  server = await listen(t.app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  t?.close();
  await hetzner?.stop();
  await hosts?.close();
});

it("creates the admin on first run, signs in, adds a credential and deletes it", async () => {
  const { page } = browser;
  await page.goto(server.url);
  await page.waitForURL(/\/setup$/);
  await screenshot(page, "foundation-1-setup");
  // The operator reads the setup code from the data folder (or the log) and types it in.
  await page.getByLabel("Setup code").fill("WRONG-CODE0-00000");
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await page.locator("#f-setupCode-error", { hasText: "is not the setup code Hoist printed" }).waitFor();
  await page.getByLabel("Setup code").fill(setupCode(t.dataDir));
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await page.waitForURL(/\/nodes\/credentials$/);
  await expect(page.getByRole("heading", { name: "No cloud credentials yet" }).isVisible()).resolves.toBe(true);
  await screenshot(page, "foundation-2-empty");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login$/);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/nodes$/);
  await expect(page.getByText("Ada Admin").isVisible()).resolves.toBe(true);

  await page.getByRole("link", { name: "Credentials" }).click();
  await page.getByRole("link", { name: "Add credential" }).first().click();
  await page.getByLabel("Name").fill("hetzner-prod");
  await page.getByLabel("Provider").selectOption("hetzner");
  // HTMX swaps in the provider's own fields.
  await page.getByLabel("API token").fill(hetzner.token);
  await screenshot(page, "foundation-3-add");
  await page.getByRole("button", { name: "Save and check" }).click();
  await page.waitForSelector("text=the provider accepted it");
  const row = page.locator("tr", { hasText: "hetzner-prod" });
  await expect(row.locator(".badge").textContent()).resolves.toBe("valid");
  await screenshot(page, "foundation-4-listed");
  expect(await page.content()).not.toContain(hetzner.token);
  expect(await page.content()).not.toContain(hetzner.token.slice(0, 10));

  await row.getByRole("link", { name: "Delete" }).click();
  await page.waitForSelector("text=Delete the credential “hetzner-prod”?");
  await screenshot(page, "foundation-5-confirm");
  await page.getByRole("button", { name: "Delete credential" }).click();
  await page.waitForSelector("text=Credential “hetzner-prod” deleted.");
  await expect(page.locator("tr", { hasText: "hetzner-prod" }).count()).resolves.toBe(0);
  await screenshot(page, "foundation-6-deleted");
});
