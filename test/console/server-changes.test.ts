// Changing a server from its pages: the form offers the sizes of its location with their prices
// and differences, a refused value is shown by its field, sending it shows the preview (which polls
// itself while it runs and survives a reload), a rebuild's data-loss step is red and asks for the
// name, and a viewer sees the preview without the means to apply it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser, type WebClient } from "../support/console.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";

let bed: Bed;
let serverId: string;
let viewer: WebClient;

beforeAll(async () => {
  bed = await startCloudBed("hetzner");
  const res = await bed.api.post("/servers", bed.serverRequest("paged"));
  serverId = res.json().server.id;
  viewer = await addUser(bed.console, bed.admin, "viewer", "vic@example.com");
  expect((await waitForStatus(bed, serverId, ["ready", "failed"], 180_000)).status).toBe("ready");
});
afterAll(async () => {
  await bed?.close();
});

const base = () => `/nodes/cloud/${serverId}`;

/** Follows the change page's own poll until the preview has finished. */
async function previewedBody(url: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const body = await bed.admin.get(`${url}/body`);
    expect(body.status).toBe(200);
    if (!body.text.includes('hx-trigger="every 2s"')) return body.text;
    expect(body.text).toContain("Previewing");
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the preview did not finish");
}

describe("changing a server from its pages", () => {
  it("offers the location's sizes priced against now, refuses a bad value by its field, and previews a resize before applying it", async () => {
    const page = await bed.admin.get(base());
    expect(page.text).toContain(`href="${base()}/change"`);
    const form = await bed.admin.get(`${base()}/change`);
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<option value="cx22" selected="">cx22 \(current\) · 2 vCPU · 4 GB RAM · 40 GB disk · €[\d.]+\/mo<\/option>/);
    const bigger = /<option value="(cx32)">cx32 · [^<]*\(\+€([\d.]+)\)<\/option>/.exec(form.text);
    expect(bigger, "a bigger size with its difference").not.toBeNull();

    const refused = await bed.admin.post(`${base()}/change`, { size: "cx22", image: "ubuntu-24.04", firewallPorts: "80, 443" });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("must include 22: Hoist reaches the node over SSH");
    expect(refused.text).toContain('value="80, 443"');

    const sent = await bed.admin.post(`${base()}/change`, { size: "cx32", image: "ubuntu-24.04", firewallPorts: "22, 80, 443" });
    expect(sent.status, sent.text.slice(0, 400)).toBe(303);
    const url = sent.headers.get("location")!;
    expect(url).toMatch(new RegExp(`^${base()}/changes/[0-9a-f-]{36}$`));
    const body = await previewedBody(url);
    expect(body).toContain("<code>cx22</code>");
    expect(body).toContain("<code>cx32</code>");
    expect(body).toContain(`(+€${bigger![2]}/month)`);
    expect(body).toMatch(/<strong>server<\/strong>[\s\S]*badge-info">update<\/span>[\s\S]*<code>serverType<\/code>: <code class="old">cx22<\/code> → <code class="new">cx32<\/code>/);
    expect(body).not.toContain("loses its data");
    // A reload shows the same, and the server's page lists the change as waiting.
    expect((await bed.admin.get(url)).text).toContain("Apply this change");
    expect((await bed.admin.get(base())).text).toContain("previewed: waiting to be applied");
    // A viewer sees the plan, not the means to apply it.
    const seen = await viewer.get(url);
    expect(seen.text).toContain("serverType");
    expect(seen.text).not.toContain("Apply this change");

    const applied = await bed.admin.post(`${url}/apply`, {});
    expect(applied.status).toBe(303);
    expect(applied.headers.get("location")).toBe(base());
    const ready = await waitForStatus(bed, serverId, ["ready", "failed"], 180_000);
    expect(ready.status, ready.errorReason ?? "").toBe("ready");
    expect(ready.size).toBe("cx32");
    expect((await bed.admin.get(url)).text).toContain("Applied.");
  });

  it("marks a rebuild's replaced server in red and applies it only with the name typed", async () => {
    const sent = await bed.admin.post(`${base()}/change`, { size: "cx32", image: "debian-12", firewallPorts: "22, 80, 443" });
    expect(sent.status, sent.text.slice(0, 400)).toBe(303);
    const url = sent.headers.get("location")!;
    const body = await previewedBody(url);
    expect(body).toMatch(/<tr class="loses-data"><td><strong>server<\/strong>/);
    expect(body).toContain("loses its data");
    expect(body).toContain('name="confirmName"');

    const wrong = await bed.admin.post(`${url}/apply`, { confirmName: "paged-typo" });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain("type the server&#39;s name, paged, to confirm");
    expect((await bed.api.get(`/servers/${serverId}`)).json().status).toBe("ready");

    const discarded = await bed.admin.post(`${url}/discard`, {});
    expect(discarded.status).toBe(303);
    expect((await bed.admin.get(url)).text).toContain("Discarded: nothing was changed.");
    expect((await bed.api.get(`/servers/${serverId}`)).json().image).toBe("ubuntu-24.04");
  });
});
