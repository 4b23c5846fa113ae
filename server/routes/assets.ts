// Static assets: our stylesheet, and htmx with its SSE extension from node_modules (never a CDN).
import { Hono } from "hono";
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

const files: Record<string, { path: string; type: string }> = {
  "app.css": { path: fileURLToPath(new URL("../../views/assets/app.css", import.meta.url)), type: "text/css; charset=utf-8" },
  "apps.css": { path: fileURLToPath(new URL("../../views/assets/apps.css", import.meta.url)), type: "text/css; charset=utf-8" },
  "htmx.min.js": { path: require.resolve("htmx.org/dist/htmx.min.js"), type: "text/javascript; charset=utf-8" },
  "sse.js": { path: require.resolve("htmx-ext-sse/dist/sse.min.js"), type: "text/javascript; charset=utf-8" },
  "favicon.svg": { path: fileURLToPath(new URL("../../views/assets/favicon.svg", import.meta.url)), type: "image/svg+xml" },
};

export function assetRoutes() {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  app.get("/:name", (c) => {
    const f = files[c.req.param("name")];
    if (!f) return c.notFound();
    let body = cache.get(f.path);
    if (!body) {
      body = fs.readFileSync(f.path);
      cache.set(f.path, body);
    }
    return c.body(new Uint8Array(body), 200, { "Content-Type": f.type, "Cache-Control": "public, max-age=3600" });
  });
  return app;
}
