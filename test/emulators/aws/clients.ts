// What the emulator's own tests use to talk to it: the AWS SDK's clients, a raw signed-less
// request, and an SSH session to an instance.
import { randomBytes } from "node:crypto";
import { EC2Client } from "@aws-sdk/client-ec2";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsEmulator } from "./front.ts";

type Credentials = { accessKeyId: string; secretAccessKey: string };

export function ec2Client(emu: AwsEmulator, opts: { credentials?: Credentials; region?: string; maxAttempts?: number; requestTimeout?: number } = {}): EC2Client {
  return new EC2Client({
    endpoint: emu.url,
    region: opts.region ?? emu.region,
    credentials: opts.credentials ?? { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    maxAttempts: opts.maxAttempts ?? 1,
    requestHandler: opts.requestTimeout ? { requestTimeout: opts.requestTimeout, throwOnRequestTimeout: true } : undefined,
  });
}

export function stsClient(emu: AwsEmulator, credentials?: Credentials): STSClient {
  return new STSClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: credentials ?? { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    maxAttempts: 1,
  });
}

/** The SDK error of a call that is expected to fail. */
export async function awsFailure(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number; requestId?: string } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata: { httpStatusCode?: number; requestId?: string } };
  }
  throw new Error("the call succeeded, but it was expected to fail");
}

/** Every IPv4 address or address-derived DNS name anywhere in a parsed SDK answer. */
export function addressesIn(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || /^(ip|ec2)-\d+-\d+-\d+-\d+\./.test(v)) out.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

/** A random AWS-looking access key id, which the emulator does not know. */
export function foreignAccessKeyId(): string {
  return "AKIA" + randomBytes(8).toString("hex").toUpperCase();
}
