// The emulated AWS account kept across restarts (startAwsEmulator's `stateDir`), for
// `npm run testbed`. moto keeps its own part by recording every request and replaying the
// recording when it starts again, seeded as before, so instances, key pairs and security groups
// come back with their ids (moto.ts, moto_server.py). The front keeps what it adds — each
// instance's server, state shown and key pair — in front.json beside the recording.
import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import path from "node:path";
import type { HostPool } from "../hosts.ts";
import { StateFile } from "../state-file.ts";
import type { Credentials } from "./bootstrap.ts";
import type { BookSaved, InstanceBook } from "./instances.ts";

export interface AwsSaved extends BookSaved {
  version: 1;
  /** The access key bootstrap made; moto's replay makes the same one again. */
  credentials: Credentials;
}

export const frontFile = (dir: string) => path.join(dir, "front.json");

export function readSaved(dir: string): AwsSaved | undefined {
  const saved = StateFile.read<AwsSaved>(frontFile(dir));
  if (saved && saved.version !== 1) throw new Error(`test bed: AWS state version ${saved.version} is not known here`);
  return saved;
}

export class AwsRestoreError extends Error {
  override name = "AwsRestoreError";
}

/**
 * Checks that moto's replay gave back every instance the front knows, in the state it knows,
 * then brings back their servers, powered on where the instance is running.
 */
export async function restoreInstances(book: InstanceBook, saved: AwsSaved, hosts: HostPool, admin: (region: string) => EC2Client): Promise<void> {
  book.load(saved);
  const live = saved.records.filter((r) => r.state !== "terminated");
  for (const region of new Set(live.map((r) => r.region))) {
    const out = await admin(region).send(new DescribeInstancesCommand({}));
    const inMoto = new Map(out.Reservations?.flatMap((res) => res.Instances ?? []).map((i) => [i.InstanceId, i.State?.Name]));
    for (const r of live.filter((x) => x.region === region)) {
      const state = inMoto.get(r.id);
      if (!state || state === "terminated") {
        throw new AwsRestoreError(
          `test bed: moto's replayed account has no instance ${r.id} (${region}), which the front kept; the recording and front.json disagree, start over (npm run testbed -- --reset)`,
        );
      }
    }
  }
  for (const r of book.list().filter((x) => x.state !== "terminated")) {
    if (!r.address) continue;
    if (!(await hosts.restore(r.id))) {
      throw new AwsRestoreError(`test bed: the kept AWS account has instance ${r.id}, but the host pool kept no server for it; start over (npm run testbed -- --reset)`);
    }
    if (r.state === "running" || r.state === "pending") {
      r.state = "running";
      await hosts.resume(r.id);
    }
  }
}
