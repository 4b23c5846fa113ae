// The emulated AWS: moto behind a thin HTTP front on 127.0.0.1. The front forwards every request
// unchanged (body bytes and signature headers intact: moto checks the SigV4 signature against the
// emulator's own IAM credentials and routes on the credential scope), and adds what moto lacks:
// a real SSH server per instance, loopback addresses in every answer, and faults. With a
// `stateDir` the account survives restarts (persist.ts).
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { XMLParser } from "fast-xml-parser";
import { FaultSet } from "../faults.ts";
import type { HostPool } from "../hosts.ts";
import { handleControl } from "./control.ts";
import { faultAnswer, launchFailure } from "./faults.ts";
import { InstanceBook, type Launch } from "./instances.ts";
import { RECORDING, startMoto, type Moto } from "./moto.ts";
import { awsError, listParam, parseRequest, type AwsRequest } from "./query.ts";
import { needsRewrite, rewriteEc2Xml } from "./rewrite.ts";
import { bootstrapCredentials, knownRegions } from "./bootstrap.ts";
import { frontFile, readSaved, restoreInstances, type AwsSaved } from "./persist.ts";
import { StateFile } from "../state-file.ts";

export interface AwsEmulator {
  /** The one endpoint for ec2, sts and iam: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The region the emulator expects by default (any AWS region works). */
  readonly region: string;
  readonly faults: FaultSet;
  /** How long instances take from now on; change it at will (a benchmark's realistic durations). */
  readonly timing: AwsTiming;
  /** moto's process, for tests that check it is gone after stop(). */
  readonly motoPid: number;
  readonly outOfBand: {
    /** The instance stops on its own: state `stopped`, its sshd stops. */
    kill(instanceId: string): Promise<void>;
    /** Resized behind Pulumi's back (stopped, type changed, started again). */
    changeType(instanceId: string, type: string): Promise<void>;
    /** Terminated behind Pulumi's back: its sshd and files are gone. */
    terminate(instanceId: string): Promise<void>;
  };
  /** The loopback address of an instance's emulated server, while it has one. */
  addressOf(instanceId: string): string | undefined;
  /** Every API call the front received, in order (`ec2:RunInstances`, `sts:GetCallerIdentity`). */
  requests(): string[];
  stop(): Promise<void>;
}

// The SDK's one-time warning about Node 20 would land in every test's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const reader = new XMLParser({ parseTagValue: false, isArray: (name) => name === "item" });

export interface AwsTiming {
  /** How long a launched instance stays `pending` before it runs (its sshd is up by then). */
  launchMs: number;
}

export interface AwsEmulatorOptions {
  hosts: HostPool;
  region?: string;
  /**
   * Keeps the account in this folder across restarts (moto's recording, front.json). Its
   * instances' servers need a pool that keeps servers.
   */
  stateDir?: string;
  /** Every instance gets a container runtime (HostSpec.docker), as the configure step would install. */
  docker?: boolean;
  /** Default: instances run at once. */
  timing?: Partial<AwsTiming>;
}

/** Starts moto and the EC2 front. Instances get their servers from `hosts`. */
export async function startAwsEmulator(opts: AwsEmulatorOptions): Promise<AwsEmulator> {
  const dir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "hoist-aws-"));
  const moto = await startMoto(dir, { keep: opts.stateDir !== undefined });
  try {
    return await startFront(moto, opts, dir);
  } catch (err) {
    await moto.stop();
    throw err;
  }
}

async function startFront(moto: Moto, opts: AwsEmulatorOptions, dir: string): Promise<AwsEmulator> {
  const { hosts } = opts;
  const region = opts.region ?? "us-east-1";
  const keep = opts.stateDir !== undefined;
  const saved = keep ? readSaved(dir) : undefined;
  if (keep && !saved && (fs.statSync(path.join(dir, RECORDING), { throwIfNoEntry: false })?.size ?? 0) > 0) {
    throw new Error(`test bed: ${dir} has moto's recording but no ${path.basename(frontFile(dir))}; start over (npm run testbed -- --reset)`);
  }
  const creds = saved?.credentials ?? (await bootstrapCredentials(moto.url));
  const clients = new Map<string, EC2Client>();
  const admin = (r: string) => {
    let c = clients.get(r);
    if (!c) {
      c = new EC2Client({ endpoint: moto.url, region: r, credentials: creds, maxAttempts: 1 });
      clients.set(r, c);
    }
    return c;
  };
  const regions = await knownRegions(admin(region));
  const faults = new FaultSet();
  const timing: AwsTiming = { launchMs: 0, ...opts.timing };
  const book = new InstanceBook(hosts, admin, opts.docker);
  const hostRunning = (id: string) => hosts.get(id)?.running ?? false;
  const requests: string[] = [];
  const file = keep ? new StateFile<AwsSaved>(frontFile(dir), () => ({ version: 1, credentials: creds, ...book.saved() })) : undefined;
  const save = () => file?.save();
  if (saved) await restoreInstances(book, saved, hosts, admin);
  save();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const done = req.url?.startsWith("/_emulator/")
        ? handleControl(req, res, body, { faults, book, hostRunning })
        : proxy(req, res, body);
      done
        .catch((err: Error) => {
          if (!res.headersSent) send(res, awsError("ec2", 500, "InternalError", `emulator: ${err.message}`));
        })
        .finally(save);
    });
  });

  async function proxy(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const aws = parseRequest(req.url ?? "/", req.headers, body);
    requests.push(`${aws.service}:${aws.action}`);
    if (aws.region && !regions.has(aws.region)) {
      // moto answers an unknown region with a 500 HTML page; AWS rejects the credential scope.
      return send(res, awsError(aws.service || "ec2", aws.service === "ec2" ? 401 : 403, "AuthFailure", "Credential should be scoped to a valid region."));
    }
    const intercepted = faultAnswer(faults, aws);
    if (intercepted === "hang") return; // stop() closes the socket
    if (intercepted) return send(res, intercepted);
    if (aws.service === "ec2" && aws.action === "ModifyInstanceAttribute") {
      const refusal = resizeRefusal(aws);
      if (refusal) return send(res, refusal);
    }
    const answer = await forward(moto.url, req, body);
    if (aws.service === "ec2") {
      if (answer.status >= 500 && !answer.body.includes("<Errors>")) {
        return send(res, motoBugAnswer(aws));
      }
      if (answer.status === 200) await observe(aws, answer.body);
      if (needsRewrite(answer.body)) answer.body = rewriteEc2Xml(answer.body, book);
    }
    send(res, withRequestId(answer));
  }

  function resizeRefusal(aws: AwsRequest) {
    const id = aws.params.get("InstanceId") ?? "";
    const resizing = aws.params.has("InstanceType.Value") || aws.params.get("Attribute") === "instanceType";
    const r = book.get(id);
    if (resizing && r && r.state !== "stopped") {
      return awsError("ec2", 400, "IncorrectInstanceState", `The instance '${id}' is not in the 'stopped' state.`);
    }
    return undefined;
  }

  /** Keeps the front's bookkeeping in step with what moto just did. */
  async function observe(aws: AwsRequest, xml: string): Promise<void> {
    const p = aws.params;
    const ids = () => listParam(p, "InstanceId");
    const slowMs = () => faults.take("slow-actions")?.ms ?? 0;
    switch (aws.action) {
      case "ImportKeyPair":
        return book.recordKey(aws.region, p.get("KeyName") ?? "", {
          publicKey: Buffer.from(p.get("PublicKeyMaterial") ?? "", "base64").toString("utf8"),
        });
      case "CreateKeyPair":
        return book.recordKey(aws.region, p.get("KeyName") ?? "", { privateKeyPem: /<keyMaterial>([^<]*)</.exec(xml)?.[1] });
      case "DeleteKeyPair":
        return book.forgetKey(aws.region, p.get("KeyName") ?? "");
      case "RunInstances": {
        const items = reader.parse(xml)?.RunInstancesResponse?.instancesSet?.item ?? [];
        const launches: Launch[] = items.map((i: Record<string, string>) => ({
          id: i.instanceId,
          type: i.instanceType,
          imageId: i.imageId,
          keyName: i.keyName || undefined,
        }));
        return book.launched(aws.region, launches, { slowMs: faults.take("slow-actions")?.ms ?? timing.launchMs, failure: launchFailure(faults) });
      }
      case "StopInstances":
        return book.stopped(ids(), slowMs());
      case "StartInstances":
        return book.started(ids(), slowMs());
      case "TerminateInstances":
        return book.terminated(ids(), slowMs());
      case "ModifyInstanceAttribute": {
        const type = p.get("InstanceType.Value") ?? (p.get("Attribute") === "instanceType" ? p.get("Value") : null);
        if (type) book.typeChanged(p.get("InstanceId") ?? "", type);
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    region,
    faults,
    timing,
    motoPid: moto.pid,
    outOfBand: {
      kill: (id) => book.kill(id).finally(save),
      changeType: (id, type) => book.changeType(id, type).finally(save),
      terminate: (id) => book.terminate(id).finally(save),
    },
    addressOf: (id) => book.get(id)?.address,
    requests: () => [...requests],
    stop: () =>
      (stopped ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of clients.values()) c.destroy();
        save();
        // A kept account keeps its instances' servers (powered off with the emulator); otherwise
        // they and moto's folder go with it.
        await Promise.all(book.list().map((r) => (keep ? (hosts.get(r.id) ? hosts.stop(r.id) : undefined) : hosts.remove(r.id))));
        await moto.stop();
        if (!keep) fs.rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** moto answers some bad input with a 500 HTML page; AWS answers a 400 with an error code. */
function motoBugAnswer(aws: AwsRequest) {
  if (aws.action === "ImportKeyPair") return awsError("ec2", 400, "InvalidKey.Format", "Key is not in valid OpenSSH public key format");
  return awsError("ec2", 500, "InternalError", "An internal error has occurred");
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function forward(motoUrl: string, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
  const target = new URL(motoUrl);
  return new Promise((resolve, reject) => {
    const out = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && !["content-length", "connection", "transfer-encoding", "date", "server"].includes(k)) headers[k] = String(v);
          }
          resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * EC2 and STS request ids are UUIDs, the same in the body's RequestID and the x-amzn-requestid
 * header (which the SDKs read); moto writes `request-id`, or a random token for an auth failure.
 */
function withRequestId(answer: Answer): Answer {
  const inBody = /<Request(?:ID|Id)>([^<]*)<\/Request(?:ID|Id)>/.exec(answer.body)?.[1];
  const id = inBody && UUID.test(inBody) ? inBody : randomUUID();
  const body = answer.body.replace(/(<Request(?:ID|Id)>)[^<]*(<\/Request(?:ID|Id)>)/, `$1${id}$2`);
  const headers = "x-amzn-requestid" in answer.headers ? { ...answer.headers, "x-amzn-requestid": id } : answer.headers;
  return { ...answer, body, headers };
}

function send(res: http.ServerResponse, answer: { status: number; headers: Record<string, string>; body: string }): void {
  const body = Buffer.from(answer.body, "utf8");
  res.writeHead(answer.status, { ...answer.headers, "content-length": String(body.length) });
  res.end(body);
}
