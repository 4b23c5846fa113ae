// Request bodies are limited before anything reads them: the CSRF check parses the forms of
// visitors who are not signed in, so a large body must be refused unread, with a clear 413.
import { afterEach, beforeEach, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../server/app.tsx";
import { listCredentials } from "../../state/credentials.ts";
import { api, apiToken, setupAdmin, startConsole, type TestConsole } from "../support/console.ts";

let t: TestConsole;
beforeEach(() => {
  t = startConsole();
});
afterEach(() => t.close());

/** A body of `total` bytes sent in chunks without a length, counting what the server pulled. */
function countedBody(total: number, chunk = 16 * 1024) {
  const pulled = { bytes: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.bytes >= total) return controller.close();
      pulled.bytes += chunk;
      controller.enqueue(new TextEncoder().encode("a=".padEnd(chunk, "x")));
    },
  });
  return { stream, pulled };
}

it("refuses a large form of a visitor who is not signed in with 413, having read no more than the limit", async () => {
  const { stream, pulled } = countedBody(10 * 1024 * 1024);
  const res = await t.app.request(
    new Request("http://localhost/login", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
      duplex: "half",
    } as RequestInit),
  );
  expect(res.status).toBe(413);
  const text = await res.text();
  expect(text).toContain("Too large");
  expect(text).toContain(`The request body is larger than ${MAX_BODY_BYTES / 1024} KiB, the most Hoist accepts; nothing was changed.`);
  expect(pulled.bytes).toBeLessThanOrEqual(MAX_BODY_BYTES + 2 * 16 * 1024);
});

it("refuses a declared length over the limit before reading any of it", async () => {
  const res = await t.app.request("http://localhost/setup", {
    method: "POST",
    body: "x".repeat(MAX_BODY_BYTES + 1),
    headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(MAX_BODY_BYTES + 1), origin: "http://localhost" },
  });
  expect(res.status).toBe(413);
});

it("answers the JSON API's large bodies with a 413 error object, and changes nothing", async () => {
  const admin = await setupAdmin(t);
  const client = api(t, await apiToken(admin));
  const res = await client.post("/credentials", { name: "big", provider: "hetzner", token: "a".repeat(64), padding: "p".repeat(100 * 1024) });
  expect(res.status).toBe(413);
  expect(res.json()).toEqual({ error: { code: "payload_too_large", message: `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB, the most Hoist accepts; nothing was changed.` } });
  expect(listCredentials(t.deps.db, { userId: "", all: true })).toEqual([]);
});

it("still takes an ordinary form", async () => {
  const web = await setupAdmin(t);
  expect((await web.post("/settings/tokens", { name: "small" })).status).toBe(201);
});
