// A server's /var/run/docker.sock: a socket inside its root filesystem, root-only (0660, as a
// real server's), that forwards the Docker API to the pool's daemon through scope.ts, so the
// server sees its own containers and volumes only. Hijacked streams (attach, exec) are piped
// through untouched once their request is rewritten.
import http from "node:http";
import net from "node:net";
import fs from "node:fs";
import { rewriteAnswer, rewriteRequest, rewritesAnswer, rewritesBody, type Scope } from "./scope.ts";

/** Linux's limit for a unix socket path (sun_path holds 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "content-length"];

export interface SocketProxy {
  close(): Promise<void>;
}

export async function startSocketProxy(scope: Scope, listenPath: string, daemonSocket: string): Promise<SocketProxy> {
  if (listenPath.length > MAX_SOCKET_PATH) throw new Error(`test bed: ${listenPath} is too long for a unix socket (${MAX_SOCKET_PATH} bytes at most); keep servers in a shorter folder`);
  const server = http.createServer((req, res) => {
    forward(scope, daemonSocket, req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `test bed: docker socket proxy: ${err.message}` }));
    });
  });
  const sockets = new Set<net.Socket>();
  server.on("connection", (sock) => {
    sockets.add(sock);
    sock.once("close", () => sockets.delete(sock));
  });
  server.on("upgrade", (req, client, head) => hijack(scope, daemonSocket, req, client as net.Socket, head));
  fs.rmSync(listenPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPath, resolve);
  });
  fs.chmodSync(listenPath, 0o660);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        fs.rmSync(listenPath, { force: true });
      }),
  };
}

async function forward(scope: Scope, daemonSocket: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const url = req.url ?? "/";
  const body = rewritesBody(method, url) ? await readAll(req) : undefined;
  const r = rewriteRequest(scope, method, url, body);
  if ("refuse" in r) {
    res.writeHead(r.refuse.status, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: r.refuse.message }));
    return;
  }
  const headers = { ...req.headers };
  if (r.body) {
    delete headers["transfer-encoding"];
    headers["content-length"] = String(r.body.length);
  }
  await new Promise<void>((resolve, reject) => {
    const up = http.request({ socketPath: daemonSocket, method, path: r.path, headers, agent: false }, (answer) => {
      const out = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP_BY_HOP.includes(k)));
      if (rewritesAnswer(method, url) && answer.statusCode === 200) {
        readAll(answer).then((raw) => {
          const text = rewriteAnswer(scope, url, raw);
          res.writeHead(200, { ...out, "content-length": String(text.length) });
          res.end(text, resolve);
        }, reject);
        return;
      }
      res.writeHead(answer.statusCode ?? 502, out);
      // The daemon sends some answers' headers long before their body (wait, events, logs -f),
      // and the CLI waits for them: they must go out at once.
      res.flushHeaders();
      answer.pipe(res);
      answer.once("end", resolve);
      answer.once("error", reject);
    });
    up.once("error", reject);
    res.once("close", () => up.destroy());
    if (r.body) up.end(r.body);
    else req.pipe(up);
  });
}

/** attach and exec: the daemon answers 101 and the connection becomes a raw stream both ways. */
function hijack(scope: Scope, daemonSocket: string, req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
  const r = rewriteRequest(scope, req.method ?? "POST", req.url ?? "/");
  if ("refuse" in r) {
    client.end(`HTTP/1.1 ${r.refuse.status} Refused\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ message: r.refuse.message })}`);
    return;
  }
  const upstream = net.connect(daemonSocket);
  upstream.once("connect", () => {
    const lines = [`${req.method} ${r.path} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(lines.join("\r\n") + "\r\n\r\n");
    if (head.length) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.once("error", end);
  client.once("error", end);
  upstream.once("close", end);
  client.once("close", end);
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}
