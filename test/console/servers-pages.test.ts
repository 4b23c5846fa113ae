// The Cloud Servers pages through app.request, with the engine running against the Hetzner
// emulator: the create form and its live catalog, the server page and its SSE stream, failure,
// retry, destroy with confirmation, the Nodes tab, and who may see and do what.
import { parseSse } from "../support/sse.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverOperations } from "../../state/operations.ts";
import { serverById } from "../../state/servers.ts";
import { addUser, type Reply, type WebClient } from "../support/console.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

let bed: Bed;
let web: WebClient;
let doCredential: string;

beforeAll(async () => {
  // DigitalOcean is "reachable" at a closed local port: its credential is kept, unverified.
  bed = await startBed({ HOIST_ENDPOINT_DIGITALOCEAN: "http://127.0.0.1:9/v2" });
  web = bed.admin;
  const res = await bed.api.post("/credentials", { name: "do-main", provider: "digitalocean", token: "dop_v1_" + "a".repeat(64) });
  expect(res.status, res.text).toBe(201);
  doCredential = res.json().id;
});

afterAll(async () => {
  await bed?.close();
});

const badgeOf = (r: Reply) => /id="status-badge"[^>]*>([a-z]+)</.exec(r.text)?.[1];
const pollerOf = (r: Reply) => /id="poller" hx-get="([^"]+)"/.exec(r.text)?.[1]?.replace(/&amp;/g, "&");
const createForm = (over: Record<string, string> = {}) => ({ credentialId: bed.credentialId, name: "web-1", region: "fsn1", size: "cx22", image: "ubuntu-24.04", ...over });

/** Polls the server page (as a browser without SSE would) until its badge shows one of `statuses`. */
async function pageUntil(id: string, statuses: string[], ms = 120_000): Promise<Reply> {
  for (const until = Date.now() + ms; ; ) {
    const page = await web.get(`/nodes/cloud/${id}`);
    expect(page.status).toBe(200);
    if (statuses.includes(badgeOf(page) ?? "")) return page;
    if (Date.now() > until) throw new Error(`the page still shows ${badgeOf(page)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the create form", () => {
  it("offers the credentials of every cloud, the valid one first chosen", async () => {
    const page = await web.get("/nodes/cloud/new");
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<option value="${bed.credentialId}" selected="">hetzner · Hetzner Cloud · valid</option>`);
    expect(page.text).toMatch(new RegExp(`<option value="${doCredential}">do-main · DigitalOcean · unverified</option>`));
    expect(page.text).not.toContain("cannot be created yet");
    // The catalog follows through HTMX; without JS a button asks for it.
    expect(page.text).toContain(`hx-get="/nodes/cloud/new/catalog?credentialId=${bed.credentialId}"`);
    expect(page.text).toContain("Show options");
  });

  it("lets an invalid credential be chosen, with its badge, and shows what the provider says", async () => {
    bed.hetzner.faults.set({ kind: "reject-token" }, { times: 1 });
    const res = await bed.api.post("/credentials", { name: "was-refused", provider: "hetzner", token: bed.hetzner.token });
    expect(res.json().validity).toBe("invalid");
    const id = res.json().id;
    // The valid one stays preselected; the refused one is offered all the same.
    const page = await web.get("/nodes/cloud/new");
    expect(page.text).toContain(`<option value="${id}">was-refused · Hetzner Cloud · invalid</option>`);
    const chosen = await web.get(`/nodes/cloud/new?credentialId=${id}`);
    expect(chosen.text).toMatch(/id="cred-badge".*badge-bad[^>]*>invalid<.*The provider refused it/s);
    // The token works again at the provider: the catalog loads and the form can be sent.
    expect(chosen.text).toContain('name="region"');
    const frag = await web.get(`/nodes/cloud/new/catalog?credentialId=${id}`);
    expect(frag.text).toMatch(/<span id="cred-badge" class="cred-badge" hx-swap-oob="true">.*invalid/s);
    // A token the provider refuses outright: its own words instead of the catalog.
    bed.hetzner.faults.set({ kind: "reject-token" });
    try {
      const refused = await web.get(`/nodes/cloud/new/catalog?credentialId=${id}`);
      expect(refused.text).toContain("Hetzner Cloud did not give its catalog: unable to authenticate");
      expect(refused.text).not.toContain("<select");
    } finally {
      bed.hetzner.faults.clear("reject-token");
    }
    expect((await bed.api.delete(`/credentials/${id}`)).status).toBe(204);
  });

  it("loads locations, sizes with their prices in the chosen location, images and an estimate", async () => {
    const frag = await web.get(`/nodes/cloud/new/catalog?credentialId=${bed.credentialId}&region=nbg1&size=cx32`);
    expect(frag.status).toBe(200);
    expect(frag.text).toContain('<option value="nbg1" selected="">Nuremberg, DE (nbg1)</option>');
    expect(frag.text).toMatch(/value="cx22"[^>]*>.*?4 GB RAM · 40 GB disk · x86.*?€4\.51/s);
    expect(frag.text).toMatch(/value="cx32" checked=""/);
    expect(frag.text).toContain('<option value="ubuntu-24.04">Ubuntu 24.04</option>');
    expect(frag.text).toMatch(/id="estimate".*€8\.09.*per month/s);
    expect(frag.text).toContain('id="cred-badge"');
    // Sizes only offered elsewhere are left out; prices follow the location.
    const us = await web.get(`/nodes/cloud/new/catalog?credentialId=${bed.credentialId}&region=ash`);
    expect(us.text).not.toContain('value="cx22"');
    expect(us.text).toMatch(/value="cpx11"[^>]*>.*?€6\.10/s);
    // Choosing a size asks for its estimate.
    const estimate = await web.get("/nodes/cloud/new/estimate?size=cpx11&region=ash&currency=EUR&monthly=6.1047&hourly=0.00952");
    expect(estimate.text).toMatch(/€6\.10.*per month.*€0\.0095 per hour/s);
  });

  it("shows the provider's error and a retry link when the catalog is down, never empty selects", async () => {
    bed.hetzner.faults.set({ kind: "catalog-down", mode: "5xx" });
    try {
      const frag = await web.get(`/nodes/cloud/new/catalog?credentialId=${bed.credentialId}`);
      expect(frag.status).toBe(200);
      expect(frag.text).toContain("Hetzner Cloud did not give its catalog");
      expect(frag.text).toContain("service temporarily unavailable");
      expect(frag.text).toMatch(/<a href="\/nodes\/cloud\/new\?credentialId=[^"]+" hx-get="\/nodes\/cloud\/new\/catalog\?credentialId=[^"]+"[^>]*>Try again<\/a>/);
      expect(frag.text).not.toContain("<select");
      expect(frag.text).not.toContain('name="size"');
      const page = await web.get(`/nodes/cloud/new?credentialId=${bed.credentialId}`);
      expect(page.text).toContain("Hetzner Cloud did not give its catalog");
      expect(page.text).not.toContain('name="region"');
    } finally {
      bed.hetzner.faults.clear("catalog-down");
    }
    const again = await web.get(`/nodes/cloud/new/catalog?credentialId=${bed.credentialId}`);
    expect(again.text).toContain('name="region"');
    expect(again.text).toContain("Create server");
  });

  it("re-renders with the error by the field for a bad name", async () => {
    await web.get("/nodes/cloud/new");
    const res = await web.post("/nodes/cloud", createForm({ name: "Web_1", region: "hel1" }));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="f-name-error"[^>]*>must be a hostname: lower-case letters/);
    expect(res.text).toContain('value="Web_1"');
    expect(res.text).toContain('<option value="hel1" selected="">');
    expect((await bed.api.get("/servers")).json().servers).toEqual([]);
    const unknown = await web.post("/nodes/cloud", createForm({ size: "cx999" }));
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain("is not a size the provider offers");
  });
});

describe("a server's life in the pages", () => {
  let id: string;

  it("creates a server, streams its steps live and shows it ready with its node", async () => {
    await web.get("/nodes/cloud/new");
    bed.hetzner.faults.set({ kind: "slow-actions", ms: 800 });
    const res = await web.post("/nodes/cloud", createForm());
    bed.hetzner.faults.clear("slow-actions");
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/nodes\/cloud\/[0-9a-f-]{36}$/);
    id = location.split("/").pop()!;

    const page = await web.get(location);
    expect(page.text).toContain("Creating web-1");
    // While it is busy, the list asks for itself again.
    expect((await web.get("/nodes/cloud")).text).toContain('hx-get="/nodes/cloud/table" hx-trigger="every 3s"');
    const connect = /sse-connect="([^"]+)"/.exec(page.text)?.[1]?.replace(/&amp;/g, "&");
    expect(connect).toMatch(new RegExp(`^/nodes/cloud/${id}/events\\?op=[0-9a-f-]{36}&after=\\d+`));
    const after = Number(new URL(connect!, "http://x").searchParams.get("after"));

    // The stream the page opens: every event after the page's, live, until the operation ends.
    const stream = await web.get(connect!);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const messages = parseSse(stream.text);
    const frames = messages.filter((m) => m.event === "frame");
    const ids = frames.map((m) => Number(m.id));
    expect(ids[0]).toBe(after + 1);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(frames.some((m) => m.data.includes('id="steps"') && m.data.includes("configure"))).toBe(true);
    expect(frames.some((m) => m.data.includes('id="status-badge"') && m.data.includes(">configuring<"))).toBe(true);
    expect(frames.at(-1)!.data).toContain('aria-valuenow="100"');
    expect(messages.filter((m) => m.event === "refresh").length).toBeGreaterThan(0);
    expect(messages.at(-1)).toMatchObject({ event: "end", data: "end" });

    const ready = await pageUntil(id, ["ready", "failed"]);
    expect(badgeOf(ready)).toBe("ready");
    for (const step of ["ssh-key", "firewall", "server", "configure"]) {
      expect(ready.text).toMatch(new RegExp(`<strong>${step}</strong>.*?badge-ok">done<`, "s"));
    }
    expect(ready.text).toContain('aria-valuenow="100"');
    expect(ready.text).toMatch(/Node <span class="badge badge-ok"[^>]*>online</);
    expect(ready.text).toMatch(/ssh -p 22 root@127\.\d+\.\d+\.\d+/);
    expect(ready.text).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(ready.text).toContain(">Stop</button>");
    expect(ready.text).not.toContain("sse-connect");
    const nodeId = /action="\/nodes\/([0-9a-f-]{36})\/check"/.exec(ready.text)?.[1];
    const checked = await web.post(`/nodes/${nodeId}/check`, {}, { headers: { "hx-request": "true" } });
    expect(checked.status).toBe(200);
    expect(checked.text).toMatch(new RegExp(`^<tr id="node-${nodeId}">.*badge-ok[^>]*>online<`, "s"));
    // With nothing new, polling answers 204; a stale page gets the whole body again.
    const poll = pollerOf(ready)!;
    expect((await web.get(poll)).status).toBe(204);
    const stale = await web.get(poll.replace(/after=\d+/, "after=3"));
    expect(stale.status).toBe(200);
    expect(stale.text).toMatch(/^<div id="server-body">/);

    const list = await web.get("/nodes/cloud");
    expect(list.text).toMatch(new RegExp(`<a href="/nodes/cloud/${id}"[^>]*><strong>web-1</strong></a>`));
    expect(list.text).toContain("€4.51");
    expect(list.text).not.toContain('hx-trigger="every 3s"');
    const nodes = await web.get("/nodes");
    expect(nodes.text).toMatch(/web-1.*127\.\d+\.\d+\.\d+.*Hetzner Cloud.*fsn1.*cx22.*badge-ok[^>]*>online</s);
  });

  it("replays a finished operation's stream from Last-Event-ID", async () => {
    const op = serverOperations(bed.console.deps.db, id)[0]!;
    const url = `/nodes/cloud/${id}/events?op=${op.id}&after=0`;
    const all = parseSse((await web.get(url)).text);
    const last = Number(all.filter((m) => m.id).at(-1)!.id);

    const resumed = parseSse((await web.request("GET", url, { headers: { "last-event-id": "5" } })).text);
    const frames = resumed.filter((m) => m.event === "frame");
    expect(frames.map((m) => Number(m.id))).toEqual(Array.from({ length: last - 5 }, (_, i) => i + 6));
    expect(frames.every((m) => !m.data.includes('<ol id="log"'))).toBe(true);
    expect(resumed.map((m) => m.event).slice(-2)).toEqual(["refresh", "end"]);

    // A fresh connection behind the page catches up in one frame that replaces the whole log.
    const fresh = parseSse((await web.get(`/nodes/cloud/${id}/events?op=${op.id}&after=5`)).text);
    expect(fresh.filter((m) => m.event === "frame").map((m) => m.id)).toEqual([String(last)]);
    expect(fresh[0]!.data).toContain('<ol id="log" class="log" hx-swap-oob="true">');
    const upToDate = parseSse((await web.get(`/nodes/cloud/${id}/events?op=${op.id}&after=${last}`)).text);
    expect(upToDate.map((m) => m.event)).toEqual(["refresh", "end"]);
  });

  it("answers 404 to another operator and shows viewers no buttons", async () => {
    const olga = await addUser(bed.console, web, "operator", "olga@example.com");
    const op = serverOperations(bed.console.deps.db, id)[0]!;
    for (const url of [`/nodes/cloud/${id}`, `/nodes/cloud/${id}/poll`, `/nodes/cloud/${id}/events?op=${op.id}`, `/nodes/cloud/${id}/destroy`]) {
      expect((await olga.get(url)).status, url).toBe(404);
    }
    for (const action of ["destroy", "retry", "stop", "start"]) {
      expect((await olga.post(`/nodes/cloud/${id}/${action}`, {})).status, action).toBe(404);
    }
    expect((await olga.post(`/nodes/cloud/${id}/cancel`, { operationId: op.id })).status).toBe(404);
    expect((await olga.get("/nodes/cloud")).text).not.toContain("web-1");
    expect((await olga.get("/nodes")).text).toContain("No nodes yet");
    expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");

    const vera = await addUser(bed.console, web, "viewer", "vera@example.com");
    const seen = await vera.get(`/nodes/cloud/${id}`);
    expect(seen.status).toBe(200);
    expect(badgeOf(seen)).toBe("ready");
    for (const button of [">Stop<", "Destroy…", "Check now", "Cancel operation"]) expect(seen.text).not.toContain(button);
    expect((await vera.get("/nodes/cloud")).text).not.toContain("Create server");
    expect((await vera.get("/nodes/cloud/new")).status).toBe(403);
    expect((await vera.post(`/nodes/cloud/${id}/stop`, {})).status).toBe(403);
  });

  it("destroys only after the confirmation is posted", async () => {
    const confirm = await web.get(`/nodes/cloud/${id}/destroy`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain("Destroy the server “web-1”?");
    expect(serverOperations(bed.console.deps.db, id)).toHaveLength(1);
    expect((await web.post(`/nodes/cloud/${id}/destroy`, {}, { csrf: null })).status).toBe(403);
    expect(serverById(bed.console.deps.db, id)!.status).toBe("ready");

    const res = await web.post(`/nodes/cloud/${id}/destroy`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/nodes/cloud/${id}`);
    const gone = await pageUntil(id, ["destroyed", "failed"]);
    expect(badgeOf(gone)).toBe("destroyed");
    expect(gone.text).toContain("This server was destroyed");
    expect(gone.text).not.toContain("Destroy…");
    expect(bed.hetzner.state.servers()).toEqual([]);
    expect((await web.get("/nodes/cloud")).text).not.toContain(`/nodes/cloud/${id}"`);
    expect((await web.get("/nodes")).text).toContain("No nodes yet");
  });
});

describe("failures", () => {
  it("shows the reason, the provider's code, Retry and Destroy; Retry works once the cause is gone", async () => {
    await web.get("/nodes/cloud/new");
    bed.hetzner.faults.set({ kind: "quota" }, { times: 1 });
    const res = await web.post("/nodes/cloud", createForm({ name: "limited" }));
    expect(res.status).toBe(303);
    const id = res.headers.get("location")!.split("/").pop()!;
    const failed = await pageUntil(id, ["failed", "ready"]);
    expect(badgeOf(failed)).toBe("failed");
    expect(failed.text).toContain("It failed: The Hetzner project&#39;s server limit is reached");
    expect(failed.text).toContain("<code>resource_limit_exceeded</code>");
    expect(failed.text).toContain("Delete servers you no longer need");
    expect(failed.text).toMatch(/action="\/nodes\/cloud\/[^"]+\/retry".*>Retry<\/button>/s);
    expect(failed.text).toContain(`href="/nodes/cloud/${id}/destroy"`);
    expect(failed.text).toMatch(/steps.*<strong>server<\/strong>.*badge-bad">failed</s);
    expect((await web.get("/nodes/cloud")).text).toMatch(/badge-bad[^>]*>failed<.*server limit is reached/s);

    const retry = await web.post(`/nodes/cloud/${id}/retry`, {});
    expect(retry.status).toBe(303);
    expect(badgeOf(await pageUntil(id, ["ready", "failed"]))).toBe("ready");
    await web.post(`/nodes/cloud/${id}/destroy`, {});
    await waitForStatus(bed, id, ["destroyed"]);
  });

  it("cancels a running create from the page", async () => {
    await web.get("/nodes/cloud/new");
    bed.hetzner.faults.set({ kind: "slow-actions", ms: 3000 });
    try {
      const res = await web.post("/nodes/cloud", createForm({ name: "cancelled" }));
      const id = res.headers.get("location")!.split("/").pop()!;
      await waitForStatus(bed, id, ["creating"]);
      const page = await web.get(`/nodes/cloud/${id}`);
      const opId = /name="operationId" value="([^"]+)"/.exec(page.text)?.[1];
      expect(opId).toBe(serverOperations(bed.console.deps.db, id)[0]!.id);
      const cancel = await web.post(`/nodes/cloud/${id}/cancel`, { operationId: opId! });
      expect(cancel.status).toBe(303);
      const failed = await pageUntil(id, ["failed", "ready"]);
      expect(badgeOf(failed)).toBe("failed");
      expect(failed.text).toContain("The operation was stopped: cancelled by ada@example.com");
      expect(failed.text).toMatch(/badge-muted[^>]*>cancelled</);
      expect(failed.text).not.toContain("Cancel operation");
      expect((await web.post(`/nodes/cloud/${id}/cancel`, { operationId: opId! })).status).toBe(409);
      await web.post(`/nodes/cloud/${id}/destroy`, {});
      expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
    } finally {
      bed.hetzner.faults.clear("slow-actions");
    }
  });

  it("asks for another credential when the server's own was deleted", async () => {
    const cred = await bed.api.post("/credentials", { name: "short-lived", provider: "hetzner", token: bed.hetzner.token });
    await web.get("/nodes/cloud/new");
    bed.hetzner.faults.set({ kind: "quota" }, { times: 1 });
    const res = await web.post("/nodes/cloud", createForm({ name: "orphan", credentialId: cred.json().id }));
    const id = res.headers.get("location")!.split("/").pop()!;
    await waitForStatus(bed, id, ["failed"]);
    expect((await bed.api.delete(`/credentials/${cred.json().id}`)).status).toBe(204);

    const page = await web.get(`/nodes/cloud/${id}`);
    expect(page.text).toContain("badge badge-warn\">deleted<");
    expect(page.text).toContain("credential to use (the original one was deleted)");
    expect(page.text).toContain(`<option value="${bed.credentialId}">hetzner</option>`);
    const without = await web.post(`/nodes/cloud/${id}/retry`, {});
    expect(without.status).toBe(422);
    expect(without.text).toContain("choose a Hetzner Cloud credential");
    const confirm = await web.get(`/nodes/cloud/${id}/destroy`);
    expect(confirm.text).toContain(`<option value="${bed.credentialId}">hetzner</option>`);
    const destroy = await web.post(`/nodes/cloud/${id}/destroy`, { credentialId: bed.credentialId });
    expect(destroy.status).toBe(303);
    expect((await waitForStatus(bed, id, ["destroyed", "failed"])).status).toBe("destroyed");
  });

  it("shows the quota and the rate limit in the form", async () => {
    const config = bed.console.deps.config as { serverQuota: number };
    const quota = config.serverQuota;
    config.serverQuota = 0;
    try {
      await web.get("/nodes/cloud/new");
      const full = await web.post("/nodes/cloud", createForm({ name: "over-quota" }));
      expect(full.status).toBe(409);
      expect(full.text).toMatch(/class="flash flash-error" role="alert">The credential “hetzner” already has 0 servers, Hoist&#39;s limit per credential/);
      expect(full.text).toContain('value="over-quota"');
      expect(full.text).toContain('name="region"');
    } finally {
      config.serverQuota = quota;
    }

    const me = (await bed.api.get("/me")).json().id;
    for (let i = 0; i < 30; i++) bed.console.deps.limits.serverChanges.take(me);
    const limited = await web.post("/nodes/cloud", createForm({ name: "one-too-many" }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.text).toContain("Too many servers created or destroyed in a short time");
    expect(limited.text).toContain('value="one-too-many"');
    expect(limited.text).toContain('name="region"');
    expect((await bed.api.get("/servers")).json().servers).toEqual([]);
  });
});
