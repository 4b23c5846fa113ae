// A bounded sign-in brute force against a console this script starts on 127.0.0.1 (a random
// port, a throw-away data folder), over real HTTP from several loopback addresses, printing for
// each attack how many attempts were made, how many got their password checked and how many were
// refused. It shows the limits holding; it asserts nothing (the tests do).
//
//   npx tsx test/bench/sign-in-bruteforce.ts
import { serve } from "@hono/node-server";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { listAudit } from "../../state/audit.ts";
import { ADMIN, setupCode, startConsole } from "../support/console.ts";

const say = (line: string) => process.stdout.write(`${line}\n`);

const t = startConsole({ HOIST_LOG_LEVEL: "warn" });
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
});
const { port } = server.address() as AddressInfo;

interface Reply {
  status: number;
  retryAfter?: number;
  setCookie: string[];
  text: string;
}

/** One form post (or a GET without fields) from `from`, with the pre-sign-in cookie and its token. */
function send(from: string, path: string, session: { cookie: string; csrf: string }, fields?: Record<string, string>): Promise<Reply> {
  const body = fields && new URLSearchParams({ ...fields, _csrf: session.csrf }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        localAddress: from,
        method: body ? "POST" : "GET",
        path,
        headers: { cookie: session.cookie, ...(body && { "content-type": "application/x-www-form-urlencoded", origin: `http://127.0.0.1:${port}` }) },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, retryAfter: Number(res.headers["retry-after"]) || undefined, setCookie: res.headers["set-cookie"] ?? [], text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A browser's first visit: the pre-sign-in cookie and the form's token. */
async function visit(from: string, path = "/login") {
  const res = await send(from, path, { cookie: "", csrf: "" });
  const cookie = res.setCookie.map((c) => c.split(";")[0]).join("; ");
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? "" };
}

interface Tally {
  attempts: number;
  checked: number;
  refused: number;
  signedIn: number;
  longestWait: number;
}

async function attack(what: string, attempts: { from: string; email: string; password: string }[], parallel: boolean): Promise<Tally> {
  const tally: Tally = { attempts: 0, checked: 0, refused: 0, signedIn: 0, longestWait: 0 };
  const sessions = new Map<string, { cookie: string; csrf: string }>();
  for (const a of attempts) if (!sessions.has(a.from)) sessions.set(a.from, await visit(a.from));
  const one = async (a: (typeof attempts)[number]) => {
    const r = await send(a.from, "/login", sessions.get(a.from)!, { email: a.email, password: a.password });
    tally.attempts++;
    if (r.status === 422) tally.checked++;
    else if (r.status === 429) {
      tally.refused++;
      tally.longestWait = Math.max(tally.longestWait, r.retryAfter ?? 0);
    } else if (r.status === 303) tally.signedIn++;
  };
  if (parallel) await Promise.all(attempts.map(one));
  else for (const a of attempts) await one(a);
  say(
    `${what.padEnd(62)} ${String(tally.attempts).padStart(4)} made  ${String(tally.checked).padStart(4)} checked  ${String(tally.refused).padStart(4)} refused` +
      `${tally.signedIn ? `  ${tally.signedIn} signed in` : ""}${tally.longestWait ? `  (longest Retry-After ${tally.longestWait} s)` : ""}`,
  );
  return tally;
}

try {
  const first = await visit("127.0.0.1", "/setup");
  const made = await send("127.0.0.1", "/setup", first, { ...ADMIN, setupCode: setupCode(t.dataDir) });
  if (made.status !== 303) throw new Error(`setup failed: ${made.status}`);
  say(`Console on http://127.0.0.1:${port}; the admin is ${ADMIN.email}. Limits: 30 password checks per address per 15 min; per account 5 free failures, then a doubling delay of at most 60 s.`);
  say("");

  const wrong = (i: number) => `wrong password number ${i}`;
  await attack(
    "1. 200 guesses at the admin at once, from one address",
    Array.from({ length: 200 }, (_, i) => ({ from: "127.0.0.2", email: ADMIN.email, password: wrong(i) })),
    true,
  );
  await attack(
    "2. 100 guesses at the admin from 100 addresses, one each",
    Array.from({ length: 100 }, (_, i) => ({ from: `127.0.1.${i + 1}`, email: ADMIN.email, password: wrong(1000 + i) })),
    false,
  );
  // The owner, from an address of their own, with the right password: delayed, never locked out.
  const owner = await visit("127.0.0.4");
  const tries: string[] = [];
  const started = Date.now();
  for (let i = 0; i < 3; i++) {
    const r = await send("127.0.0.4", "/login", owner, { email: ADMIN.email, password: ADMIN.password });
    tries.push(r.status === 303 ? "signed in" : `${r.status}, Retry-After ${r.retryAfter} s`);
    if (r.status !== 429 || !r.retryAfter) break;
    await new Promise((res) => setTimeout(res, r.retryAfter! * 1000));
  }
  say(`3. the owner with the right password, waiting as told: ${tries.join(" → ")} after ${Math.round((Date.now() - started) / 1000)} s`);

  await attack(
    "4. 60 guesses at 60 different accounts from one address",
    Array.from({ length: 60 }, (_, i) => ({ from: "127.0.0.3", email: `user${i}@example.com`, password: wrong(i) })),
    false,
  );

  const denied = listAudit(t.deps.db, { limit: 1000 }).filter((e) => e.action === "user.sign_in" && e.outcome === "denied");
  say("");
  say(`Audit log: ${denied.length} row(s) for ${denied.reduce((n, e) => n + e.count, 0)} refused sign-ins (per account, or per address for those its limit stopped, and quarter hour).`);
} finally {
  await new Promise((r) => server.close(r));
  t.close();
}
