// The marketplace pages through app.request, with the engine running on the test bed and a real
// node where the deploys really run: searching the catalog, the deploy form and its refusals by
// field (each before any stack runs), a deployment followed live to running, its container's
// logs and usage, restart, removal after confirming (keeping its data), and who may do what.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessOf } from "../../engine/nodes.ts";
import { runOnNode } from "../../engine/node-exec.ts";
import { deploymentById } from "../../state/deployments.ts";
import { nodeOfServer, type Node } from "../../state/nodes.ts";
import { deployments, operations } from "../../state/schema.ts";
import { listUsers } from "../../state/users.ts";
import { addUser, type Reply, type WebClient } from "../support/console.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { parseSse } from "../support/sse.ts";

const testCatalog = path.resolve(import.meta.dirname, "../catalog");
// Two apps of this test's own: one that needs more than any test node has (the form warns, the
// deploy goes ahead), one whose program is not in its image (the deploy fails on the node).
const extraDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-extra-apps-"));
const httpd = JSON.parse(fs.readFileSync(path.join(testCatalog, "test-httpd.json"), "utf8"));
const variant = (id: string, over: Record<string, unknown>) => fs.writeFileSync(path.join(extraDir, `${id}.json`), JSON.stringify({ ...httpd, id, volumes: [], ...over }));
variant("test-heavy", { name: "Test bed heavy page", category: "Heavy", ports: [{ ...httpd.ports[0], default: 8095 }], min: { cpus: 64, memoryMb: 1 << 20 } });
variant("test-broken", { name: "Test bed broken page", category: "Heavy", command: ["/no/such/program"], ports: [{ ...httpd.ports[0], default: 8097 }] });

let bed: Bed;
let web: WebClient;
let node: Node;
let serverId: string;

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_CATALOG_DIRS: `${testCatalog}:${extraDir}` }, { docker: true });
  web = bed.admin;
  const res = await bed.api.post("/servers", bed.serverRequest("apps-1"));
  const server = await waitForStatus(bed, res.json().server.id, ["ready", "failed"], 180_000);
  expect(server.status, server.errorReason ?? "").toBe("ready");
  serverId = server.id;
  node = nodeOfServer(bed.console.deps.db, server.id)!;
});

afterAll(async () => {
  await bed?.close();
  fs.rmSync(extraDir, { recursive: true, force: true });
});

const db = () => bed.console.deps.db;
const operationCount = () => db().select({ n: count() }).from(operations).get()!.n;
const deploymentCount = () => db().select({ n: count() }).from(deployments).get()!.n;
const badgeOf = (r: Reply) => /id="status-badge"[^>]*>([a-z]+)</.exec(r.text)?.[1];
const fragment = { headers: { "hx-request": "true" } };
const hx = (w: WebClient, url: string) => w.request("GET", url, fragment);
const cards = (r: Reply) => [...r.text.matchAll(/<article class="app-card" id="app-([a-z0-9-]+)"/g)].map((m) => m[1]);
const deployForm = (over: Record<string, string> = {}) => ({ name: "hello", nodeId: node.id, "ports.web": "8080", "env.GREETING": "hi from the pages", ...over });

/** Polls the deployment page (as a browser without SSE would) until its badge shows one of `statuses`. */
async function pageUntil(id: string, statuses: string[], ms = 120_000): Promise<Reply> {
  for (const until = Date.now() + ms; ; ) {
    const page = await web.get(`/deployments/${id}`);
    expect(page.status).toBe(200);
    if (statuses.includes(badgeOf(page) ?? "")) return page;
    if (Date.now() > until) throw new Error(`the page still shows ${badgeOf(page)} (${deploymentById(db(), id)?.errorReason ?? "no error"})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function onNode(line: string): Promise<string> {
  return (await runOnNode(accessOf(bed.console.deps, node)!, line)).stdout;
}

describe("the marketplace", () => {
  it("shows every app as a card, searched and filtered by category, the state in the address", async () => {
    const page = await web.get("/marketplace");
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<a href="\/marketplace" aria-current="page">\s*Apps/);
    expect(page.text).toContain('<a href="/marketplace" aria-current="page">Marketplace</a>');
    expect(cards(page)).toEqual(expect.arrayContaining(["nginx", "postgres", "redis", "test-httpd", "test-secret", "test-heavy", "test-broken"]));
    expect(page.text).toMatch(/id="app-test-httpd".*?🧪.*?Test bed web page.*?Test bed.*?<code>hoist-test\/httpd:1<\/code>.*?0\.1 vCPU · 16 MB.*?href="\/marketplace\/test-httpd\/deploy"/s);
    // A GET form: it works without JavaScript, and htmx asks for the results alone as one types.
    expect(page.text).toMatch(/<form class="app-search" method="get" action="\/marketplace"[^>]*hx-get="\/marketplace"[^>]*hx-push-url="true"/);
    expect(page.text).toContain('<label for="f-q">Search apps</label>');

    const searched = await web.get("/marketplace?q=greeting");
    expect(cards(searched).sort()).toEqual(["test-broken", "test-heavy", "test-httpd", "test-secret", "test-slow"]);
    expect(searched.text).toContain('value="greeting"');
    expect(searched.text).toContain("5 of 14 apps matching “greeting”");

    const databases = await web.get("/marketplace?category=Databases");
    expect(cards(databases).sort()).toEqual(["postgres", "redis"]);
    expect(databases.text).toMatch(/<option value="Databases" selected="">Databases \(2\)<\/option>/);
    expect(cards(await web.get("/marketplace?q=redis+cache&category=Databases"))).toEqual(["redis"]);

    const none = await web.get("/marketplace?q=postgres&category=Monitoring");
    expect(cards(none)).toEqual([]);
    expect(none.text).toContain("No app matches");
    expect(none.text).toMatch(/Nothing in the marketplace matches “postgres” in Monitoring\. Try another word/);
    expect(none.text).toContain('<a class="button" href="/marketplace">Show all apps</a>');

    const results = await hx(web, "/marketplace?q=echo");
    expect(results.text).toMatch(/^<div id="app-results"/);
    expect(results.headers.get("vary")).toContain("HX-Request");
    expect(cards(results)).toEqual(["test-echo"]);
    // Going back to a pushed address whose snapshot htmx lost: the whole page again.
    const restored = await web.request("GET", "/marketplace?q=echo", { headers: { "hx-request": "true", "hx-history-restore-request": "true" } });
    expect(restored.text).toMatch(/^<!DOCTYPE html>.*value="echo"/s);
  });

  it("carries the node the operator came from into every deploy link", async () => {
    const page = await web.get(`/marketplace?nodeId=${node.id}&q=test`);
    expect(page.text).toContain(`<input type="hidden" name="nodeId" value="${node.id}"/>`);
    expect(page.text).toMatch(/Choose an app to deploy onto the node <strong>apps-1<\/strong>/);
    expect(page.text).toContain(`href="/marketplace/test-httpd/deploy?nodeId=${node.id}"`);
    // Someone else's node, or no node at all: not carried.
    const unknown = await web.get("/marketplace?nodeId=00000000-0000-0000-0000-000000000000");
    expect(unknown.text).toContain('href="/marketplace/test-httpd/deploy"');
    expect(unknown.text).not.toContain("Choose an app to deploy onto");
  });
});

describe("the deploy form", () => {
  it("offers a name, the node with its free resources, each port and setting", async () => {
    const form = await web.get(`/marketplace/test-httpd/deploy?nodeId=${node.id}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<label for="f-name">Name</label>');
    expect(form.text).toMatch(/id="f-name" name="name" type="text" value="test-httpd"/);
    expect(form.text).toMatch(new RegExp(`<option value="${node.id}" selected="">apps-1 · ${node.address.replace(/\./g, "\\.")} · [\\d.]+ vCPU · [\\d.]+ (GB|MB) free</option>`));
    expect(form.text).toMatch(/hx-get="\/marketplace\/test-httpd\/deploy\/room"[^>]*hx-trigger="change"/);
    expect(form.text).toMatch(/id="node-room".*apps-1 \(127\.[\d.]+\) has [\d.]+ vCPU/s);
    expect(form.text).toMatch(/<label for="f-ports.web">HTTP port<\/label><input id="f-ports.web" name="ports.web" type="number" value="8080"/);
    expect(form.text).toMatch(/<label for="f-env.GREETING">Greeting \(GREETING\)<\/label><input id="f-env.GREETING" name="env.GREETING" type="text" value="hello"/);
    expect(form.text).toContain("What the page says.");
    // Fixed by the entry: not offered.
    expect(form.text).not.toContain('name="env.HOST"');
    expect(form.text).not.toContain('name="env.PORT"');

    const secret = await web.get("/marketplace/test-secret/deploy");
    expect(secret.text).toMatch(/<label for="f-env.GREETING">Secret greeting \(GREETING\) — required<\/label><input id="f-env.GREETING" name="env.GREETING" type="password" required="" autocomplete="new-password"/);
  });

  it("warns when the chosen node has less than the app needs, refreshed as the choice changes", async () => {
    const form = await web.get("/marketplace/test-heavy/deploy");
    expect(form.text).toMatch(/class="flash flash-warn small" role="alert">apps-1 has [\d.]+ vCPU · [\d.]+ (GB|MB) free for apps; Test bed heavy page needs at least 64 vCPU · 1024\.0 GB/);
    expect(form.text).toContain("(less than the app needs)");
    const room = await hx(web, `/marketplace/test-heavy/deploy/room?nodeId=${node.id}`);
    expect(room.text).toMatch(/^<div id="node-room".*flash-warn.*needs at least 64 vCPU/s);
    const light = await hx(web, `/marketplace/test-httpd/deploy/room?nodeId=${node.id}`);
    expect(light.text).not.toContain("flash-warn");
  });

  it("refuses bad input by field before any stack runs, and never sends a secret back", async () => {
    await web.get("/marketplace/test-httpd/deploy");
    const before = { ops: operationCount(), deployments: deploymentCount() };
    const refused = async (app: string, fields: Record<string, string>, field: string, message: RegExp) => {
      const res = await web.post(`/marketplace/${app}/deploy`, fields);
      expect(res.status, `${field}: ${res.headers.get("location")}`).toBe(422);
      expect(res.text).toMatch(new RegExp(`id="f-${field.replace(".", "\\.")}-error" class="error" role="alert">${message.source}`));
      return res;
    };
    const badName = await refused("test-httpd", deployForm({ name: "Bad_Name" }), "name", /must be lower-case letters/);
    expect(badName.text).toContain('value="Bad_Name"');
    const badPort = await refused("test-httpd", deployForm({ "ports.web": "70000" }), "ports.web", /must be a port number from 1 to 65535/);
    expect(badPort.text).toContain('value="70000"');
    const badValue = await refused("test-httpd", deployForm({ "env.GREETING": "<b>hi</b>" }), "env.GREETING", /must be 1 to 80 letters, digits, spaces or , \. ! \? -/);
    expect(badValue.text).toContain('value="&lt;b&gt;hi&lt;/b&gt;"');
    expect(badValue.text).not.toContain("<b>hi</b>");
    await refused("test-secret", { name: "secret", nodeId: node.id, "ports.web": "8090" }, "env.GREETING", /is required/);
    const secret = "sesame-0123456789";
    const withSecret = await refused("test-secret", { name: "secret", nodeId: node.id, "ports.web": "0", "env.GREETING": secret }, "ports.web", /must be a port number/);
    expect(withSecret.text).not.toContain(secret);
    expect(withSecret.text).toMatch(/<input id="f-env.GREETING" name="env.GREETING" type="password"[^>]*>/);
    expect(withSecret.text).not.toMatch(/name="env.GREETING" type="password" value=/);
    expect(withSecret.text).toContain("Enter it again: Hoist never sends a secret back to the browser.");
    await refused("test-httpd", deployForm({ nodeId: "nope" }), "nodeId", /is not one of your nodes/);
    // Changes paused: the form comes back filled in, with the reason.
    await web.get("/maintenance");
    expect((await web.post("/maintenance", { paused: "1", reason: "node maintenance" })).status).toBe(303);
    try {
      const paused = await web.post("/marketplace/test-httpd/deploy", deployForm({ name: "paused" }));
      expect(paused.status).toBe(503);
      expect(paused.text).toMatch(/class="flash flash-error" role="alert">Changes are paused by ada@example\.com .*node maintenance/);
      expect(paused.text).toContain('value="paused"');
    } finally {
      expect((await bed.api.put("/maintenance", { paused: false })).status).toBe(200);
    }
    expect({ ops: operationCount(), deployments: deploymentCount() }).toEqual(before);
  });
});

describe("a deployment's life in the pages", () => {
  let id: string;

  it("deploys from the form and follows it live to running", async () => {
    await web.get("/marketplace/test-httpd/deploy");
    const res = await web.post("/marketplace/test-httpd/deploy", deployForm());
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/deployments\/[0-9a-f-]{36}$/);
    id = location.split("/").pop()!;

    const page = await web.get(location);
    expect(page.text).toMatch(/Deploying hello onto apps-1: Hoist is running its stack app-hello-[0-9a-f]{4}\./);
    expect(page.text).toContain('<a href="/deployments" aria-current="page">Deployments</a>');
    const connect = /sse-connect="([^"]+)"/.exec(page.text)?.[1]?.replace(/&amp;/g, "&");
    expect(connect).toMatch(new RegExp(`^/deployments/${id}/events\\?op=[0-9a-f-]{36}&after=\\d+`));
    // The stream the page opens: the steps, the status badge and the log, until the deploy ends.
    const messages = parseSse((await web.get(connect!)).text);
    const frames = messages.filter((m) => m.event === "frame");
    expect(frames.some((m) => m.data.includes('id="steps"') && m.data.includes("<strong>container</strong>"))).toBe(true);
    expect(frames.some((m) => /id="status-badge" class="badge badge-info busy"[^>]*>deploying</.test(m.data))).toBe(true);
    expect(frames.some((m) => /id="status-badge" class="badge badge-ok"[^>]*>running</.test(m.data))).toBe(true);
    expect(frames.some((m) => m.data.includes("Deployment status: running"))).toBe(true);
    expect(frames.every((m) => !m.data.includes('hx-target="#server-body"'))).toBe(true);
    expect(frames.at(-1)!.data).toContain('hx-target="#deployment-body"');
    expect(messages.at(-1)).toMatchObject({ event: "end", data: "end" });

    const running = await pageUntil(id, ["running", "failed"]);
    expect(badgeOf(running)).toBe("running");
    const url = `http://${node.address}:8080/`;
    expect(running.text).toContain(`<a href="${url}" class="app-url" target="_blank" rel="noopener noreferrer">${url}</a>`);
    expect(running.text).toContain(`<a href="/nodes/cloud/${serverId}">apps-1</a>`);
    expect(running.text).toMatch(/Greeting <code class="muted small">GREETING<\/code><\/dt><dd><code>hi from the pages<\/code>/);
    expect(running.text).toContain(`action="/deployments/${id}/restart"`);
    expect(running.text).toContain(`href="/deployments/${id}/update"`);
    expect(running.text).toContain(`href="/deployments/${id}/remove"`);
    expect(running.text).toMatch(/<strong>container<\/strong>.*?badge-ok">done</s);
    expect(running.text).toContain("Healthy:");
    expect(await (await fetch(url)).text()).toContain("hi from the pages");
    // With nothing new, polling answers 204.
    const poll = /id="poller" hx-get="([^"]+)"/.exec(running.text)![1]!.replace(/&amp;/g, "&");
    expect((await web.get(poll)).status).toBe(204);

    const list = await web.get("/deployments");
    expect(list.text).toMatch(new RegExp(`<a href="/deployments/${id}"[^>]*><strong>hello</strong></a>.*Test bed web page.*apps-1.*badge-ok[^>]*>running<.*${url}`, "s"));
    const server = await web.get(`/nodes/cloud/${serverId}`);
    expect(server.text).toMatch(/Apps on this node \(1\).*href="\/marketplace\?nodeId=[0-9a-f-]+">Deploy an app here<.*href="\/deployments\/[0-9a-f-]+">hello</s);
    expect(server.text).toContain(`href="/marketplace?nodeId=${node.id}"`);
    const nodes = await web.get("/nodes");
    expect(nodes.text).toMatch(new RegExp(`<td class="num"><a href="/nodes/cloud/${serverId}#node-apps" aria-label="1 app on apps-1">1</a></td>`));
  });

  it("refuses a port another deployment holds on the node, and a name already used", async () => {
    const before = operationCount();
    const taken = await web.post("/marketplace/test-httpd/deploy", deployForm({ name: "second" }));
    expect(taken.status).toBe(422);
    expect(taken.text).toMatch(/id="f-ports.web-error"[^>]*>8080 is taken on this node \(by the deployment hello\)/);
    const named = await web.post("/marketplace/test-httpd/deploy", deployForm({ "ports.web": "8081" }));
    expect(named.text).toMatch(/id="f-name-error"[^>]*>you already have a deployment named &quot;hello&quot;/);
    expect(operationCount()).toBe(before);
    // The form's next default name is free.
    expect((await web.get("/marketplace/test-httpd/deploy")).text).toMatch(/name="name" type="text" value="test-httpd"/);
  });

  it("deploys onto a node short of what the app needs, saying so", async () => {
    const res = await web.post("/marketplace/test-heavy/deploy", { name: "heavy", nodeId: node.id, "ports.web": "8095", "env.GREETING": "heavy" });
    expect(res.status).toBe(303);
    const heavy = res.headers.get("location")!.split("/").pop()!;
    const page = await web.get(`/deployments/${heavy}`);
    expect(page.text).toMatch(/class="flash flash-info" role="status">Deploying heavy onto apps-1: .* Note: apps-1 has [\d.]+ vCPU and -?\d+ MB left for apps; Test bed heavy page wants at least 64 vCPU/);
    expect(badgeOf(await pageUntil(heavy, ["running", "failed"]))).toBe("running");
    const removed = await web.post(`/deployments/${heavy}/remove`, {});
    expect(removed.status).toBe(303);
    expect(badgeOf(await pageUntil(heavy, ["removed", "failed"]))).toBe("removed");
  });

  it("shows a failed deploy's reason, code and what to do, with Retry and Remove", async () => {
    const res = await web.post("/marketplace/test-broken/deploy", { name: "broken", nodeId: node.id, "ports.web": "8097", "env.GREETING": "never" });
    expect(res.status).toBe(303);
    const broken = res.headers.get("location")!.split("/").pop()!;
    const failed = await pageUntil(broken, ["failed", "running"]);
    expect(badgeOf(failed)).toBe("failed");
    const d = deploymentById(db(), broken)!;
    expect(failed.text).toMatch(/<div class="card failure" role="alert"><h3>It failed: [^<]+<\/h3>/);
    expect(failed.text).toContain(`<code>${d.errorCode}</code>`);
    expect(failed.text).toContain(`<dt>What to do</dt><dd>${d.errorAction!.replace(/'/g, "&#39;")}</dd>`);
    expect(failed.text).toMatch(new RegExp(`action="/deployments/${broken}/retry".*>Retry</button>.*href="/deployments/${broken}/remove"`, "s"));
    expect(failed.text).not.toContain(`action="/deployments/${broken}/restart"`);
    expect((await web.get("/deployments")).text).toContain(`>failed</span><div class="reason small">${d.errorReason!.replace(/'/g, "&#39;").replace(/"/g, "&quot;")}</div>`);

    expect((await web.post(`/deployments/${broken}/retry`, {})).status).toBe(303);
    const again = await pageUntil(broken, ["failed", "running"]);
    expect(badgeOf(again)).toBe("failed");
    expect(again.text).toContain("All operations (2)");
    expect((await web.post(`/deployments/${broken}/remove`, {})).status).toBe(303);
    const removed = await pageUntil(broken, ["removed", "failed"]);
    expect(badgeOf(removed)).toBe("removed");
    expect(removed.text).toMatch(/<h3>Remove <span class="badge badge-ok">succeeded/);
    expect(removed.text).not.toContain('class="app-url"');
  });

  it("reads the container's logs and usage from the node when asked, and follows the logs", async () => {
    const page = await web.get(`/deployments/${id}`);
    expect(page.text).toMatch(/<select id="f-lines" name="lines"><option value="100" selected="">100<\/option><option value="500">500<\/option><option value="2000">2000<\/option><\/select>/);
    expect(page.text).toContain("Not fetched yet");
    const logs = await hx(web, `/deployments/${id}/logs?lines=100`);
    expect(logs.status).toBe(200);
    expect(logs.text).toMatch(/^<div id="logs"/);
    expect(logs.text).toContain("The last 100 lines");
    expect(logs.text).toMatch(/<pre id="logs-output" class="container-log">[^<]*response:200/);
    // Without JavaScript, the same as a page of its own.
    const plain = await web.get(`/deployments/${id}/logs?lines=500`);
    expect(plain.text).toMatch(/<!DOCTYPE html>.*The last 500 lines.*response:200/s);
    expect(plain.text).toContain('<option value="500" selected="">500</option>');

    const usage = await hx(web, `/deployments/${id}/usage`);
    expect(usage.text).toMatch(/^<div id="usage".*<dt>CPU<\/dt><dd>[\d.]+%<\/dd><dt>Memory<\/dt><dd>[\d.]+ (B|KB|MB) of [\d.]+ (MB|GB)/s);
    expect(usage.text).toContain("<dd>running</dd>");

    // Follow: the panel opens the stream, which sends the last lines and then each new one.
    const panel = await hx(web, `/deployments/${id}/logs?lines=100&follow=1`);
    expect(panel.text).toContain(`sse-connect="/deployments/${id}/logs/follow?lines=100"`);
    expect(panel.text).toContain("Stop following");
    const me = listUsers(db()).find((u) => u.email === "ada@example.com")!.id;
    const streamsBefore = bed.console.deps.streams.count(me);
    const headers = new Headers({ cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; "), accept: "text/event-stream" });
    const res = await bed.console.app.request(`http://localhost/deployments/${id}/logs/follow?lines=5`, { headers });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`the stream never said ${pattern}: ${text.slice(-500)}`);
        const r = await reader.read();
        if (r.done) throw new Error(`the stream ended: ${text.slice(-500)}`);
        text += new TextDecoder().decode(r.value);
      }
    };
    await until(/<pre id="logs-output" class="container-log" hx-swap-oob="true"><\/pre>/);
    expect(bed.console.deps.streams.count(me)).toBe(streamsBefore + 1);
    await until(/hx-swap-oob="beforeend:#logs-output">[^<]*response:200/);
    const seen = (text.match(/response:200/g) ?? []).length;
    await fetch(`http://${node.address}:8080/?followed`);
    await until(new RegExp(`(response:200[^]*){${seen + 1}}`));
    await reader.cancel();
    for (const deadline = Date.now() + 5000; bed.console.deps.streams.count(me) > streamsBefore; ) {
      if (Date.now() > deadline) throw new Error("the follow stream was not released");
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it("restarts from the page", async () => {
    const res = await web.post(`/deployments/${id}/restart`, {});
    expect(res.status).toBe(303);
    const page = await web.get(`/deployments/${id}`);
    expect(page.text).toContain("Restarting hello");
    const running = await pageUntil(id, ["running", "failed"]);
    expect(badgeOf(running)).toBe("running");
    expect(running.text).toMatch(/<h3>Restart <span class="badge badge-ok">succeeded<\/span>/);
    expect(running.text).toContain("All operations (2)");
    expect(await (await fetch(`http://${node.address}:8080/`)).text()).toContain("hi from the pages");
  });

  it("updates from the page: the form with the current values, a refusal by field, the preview, then the app answers with the new setting", async () => {
    const form = await web.get(`/deployments/${id}/update`);
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/name="tag" type="text" value="1"/);
    expect(form.text).toContain('name="env.GREETING" type="text" value="hi from the pages"');
    const before = operationCount();
    const refused = await web.post(`/deployments/${id}/update`, { tag: "1", "env.GREETING": "<b>" });
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(/id="f-env.GREETING-error"[^>]*>must be 1 to 80 letters/);
    expect(refused.text).toContain('value="&lt;b&gt;"');
    const same = await web.post(`/deployments/${id}/update`, { tag: "1", "env.GREETING": "hi from the pages" });
    expect(same.status).toBe(422);
    expect(same.text).toContain("This update changes nothing: give a new tag or new settings.");
    expect(operationCount()).toBe(before);

    const sent = await web.post(`/deployments/${id}/update`, { tag: "1", "env.GREETING": "updated from the pages" });
    expect(sent.status, sent.text.slice(0, 400)).toBe(303);
    const url = sent.headers.get("location")!;
    expect(url).toMatch(new RegExp(`^/deployments/${id}/changes/[0-9a-f-]{36}$`));
    let body = "";
    for (let i = 0; i < 300; i++) {
      body = (await web.get(`${url}/body`)).text;
      if (!body.includes('hx-trigger="every 2s"')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toMatch(/GREETING.*<code>hi from the pages<\/code>.*<code>updated from the pages<\/code>/s);
    expect(body).toContain("Apply this change");
    expect((await web.get(`/deployments/${id}`)).text).toContain("previewed: waiting to be applied");
    // Nothing changed yet.
    expect(await (await fetch(`http://${node.address}:8080/`)).text()).toContain("hi from the pages");

    const applied = await web.post(`${url}/apply`, {});
    expect(applied.status).toBe(303);
    expect(applied.headers.get("location")).toBe(`/deployments/${id}`);
    const running = await pageUntil(id, ["running", "failed"]);
    expect(badgeOf(running)).toBe("running");
    expect(running.text).toMatch(/<code>updated from the pages<\/code>/);
    expect(await (await fetch(`http://${node.address}:8080/`)).text()).toContain("updated from the pages");
    expect((await web.get(url)).text).toContain("Applied.");
  });

  it("shows viewers no buttons and answers 404 to another operator", async () => {
    const vera = await addUser(bed.console, web, "viewer", "vera@example.com");
    const seen = await vera.get(`/deployments/${id}`);
    expect(seen.status).toBe(200);
    expect(badgeOf(seen)).toBe("running");
    for (const button of ["/restart\"", "/update\"", "/remove\"", "/retry\"", "Remove…"]) expect(seen.text).not.toContain(button);
    // Reading is not changing: viewers may read the container's logs.
    expect(seen.text).toContain("Show logs");
    expect((await vera.get("/marketplace")).text).not.toMatch(/\/marketplace\/[a-z-]+\/deploy/);
    expect((await vera.get(`/nodes/cloud/${serverId}`)).text).not.toContain("Deploy an app here");
    expect((await vera.get("/marketplace/test-httpd/deploy")).status).toBe(403);
    expect((await vera.get(`/deployments/${id}/remove`)).status).toBe(403);
    const before = operationCount();
    expect((await vera.post("/marketplace/test-httpd/deploy", deployForm({ name: "viewer-app", "ports.web": "8082" }))).status).toBe(403);
    for (const action of ["restart", "retry", "remove"]) expect((await vera.post(`/deployments/${id}/${action}`, {})).status, action).toBe(403);
    expect(operationCount()).toBe(before);

    const olga = await addUser(bed.console, web, "operator", "olga@example.com");
    const op = db().select().from(operations).where(eq(operations.deploymentId, id)).get()!;
    for (const url of [`/deployments/${id}`, `/deployments/${id}/poll`, `/deployments/${id}/events?op=${op.id}`, `/deployments/${id}/remove`, `/deployments/${id}/logs`, `/deployments/${id}/logs/follow`, `/deployments/${id}/usage`]) {
      expect((await olga.get(url)).status, url).toBe(404);
    }
    for (const action of ["restart", "retry", "remove"]) expect((await olga.post(`/deployments/${id}/${action}`, {})).status, action).toBe(404);
    expect((await olga.get("/deployments")).text).toContain("No apps deployed yet");
    expect((await olga.get("/marketplace/test-httpd/deploy")).text).toContain("You have no node to deploy onto");
    expect(deploymentById(db(), id)!.status).toBe("running");
  });

  it("removes only after the confirmation, keeping the data when asked", async () => {
    const confirm = await web.get(`/deployments/${id}/remove`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain("Remove the deployment “hello”?");
    expect(confirm.text).toMatch(/<label class="check"><input type="checkbox" name="keepData" value="on"\/> Keep the app&#39;s data \(volumes stay on the node\)<\/label>/);
    const before = operationCount();
    expect((await web.post(`/deployments/${id}/remove`, { keepData: "on" }, { csrf: null })).status).toBe(403);
    expect(operationCount()).toBe(before);

    const res = await web.post(`/deployments/${id}/remove`, { keepData: "on" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/deployments/${id}`);
    const gone = await pageUntil(id, ["removed", "failed"]);
    expect(badgeOf(gone)).toBe("removed");
    expect(gone.text).toContain("This deployment was removed: its container is gone from the node, and its volumes were kept there.");
    for (const button of ["/restart\"", "/update\"", "/remove\"", "Remove…", 'id="poller"', "Show logs"]) expect(gone.text).not.toContain(button);
    const slug = deploymentById(db(), id)!.slug;
    expect(await onNode(`docker ps -a --filter label=hoist.deployment=${id} --format '{{.Names}}'`)).toBe("");
    expect(await onNode("docker volume ls --format '{{.Name}}'")).toContain(`hoist-${slug}-data`);
    await expect(fetch(`http://${node.address}:8080/`)).rejects.toThrow();
    // Its container cannot be read any more, and the page says so.
    const logs = await hx(web, `/deployments/${id}/logs`);
    expect(logs.text).toMatch(/Hoist could not reach the container to read its logs: .+\./);
    const usage = await hx(web, `/deployments/${id}/usage`);
    expect(usage.text).toMatch(/Hoist could not reach the container to read its usage: .+\./);
    // Nothing is deployed any more; the removed ones are not listed, but the list says how many and links to them.
    const list = (await web.get("/deployments")).text;
    expect(list).toContain("No apps are deployed now");
    expect(list).not.toContain(`id="open-${id}"`);
    const removedCount = db().select({ n: count() }).from(deployments).where(eq(deployments.status, "removed")).get()!.n;
    expect(list).toContain(`${removedCount} removed deployment${removedCount === 1 ? " is" : "s are"} not listed here. <a href="/deployments?status=removed">Show removed deployments</a>`);
    const removedList = (await web.get("/deployments?status=removed")).text;
    expect(removedList).toMatch(new RegExp(`<a href="/deployments/${id}" id="open-${id}"><strong>hello</strong></a>.*?>removed</span>`, "s"));
    expect((await web.get(`/nodes/cloud/${serverId}`)).text).toContain("Apps on this node (0)");
  });
});

describe("a node that cannot take apps", () => {
  it("is offered disabled with why, and a deploy onto it is refused before any stack runs", async () => {
    expect((await bed.api.post(`/servers/${serverId}/stop`)).status).toBe(202);
    await waitForStatus(bed, serverId, ["stopped"]);
    const form = await web.get("/marketplace/test-httpd/deploy");
    expect(form.text).toMatch(new RegExp(`<option value="${node.id}" disabled="">apps-1 — unavailable: its server is stopped</option>|None of your nodes can take apps now`));
    expect(form.text).toContain("None of your nodes can take apps now");
    expect(form.text).toContain('href="/nodes/cloud/new"');
    const before = { ops: operationCount(), deployments: deploymentCount() };
    const res = await web.post("/marketplace/test-httpd/deploy", deployForm({ name: "offline" }));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/class="flash flash-error" role="alert">\s*(<div>)?apps-1 cannot take apps now: its server is stopped/);
    expect({ ops: operationCount(), deployments: deploymentCount() }).toEqual(before);
  });
});
