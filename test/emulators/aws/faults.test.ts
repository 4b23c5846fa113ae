// Every fault of the shared vocabulary as AWS answers it: the status code, error code and message
// of EC2 and STS, quickly and never as a hang, and the control API that arms them over HTTP.
import { DescribeImagesCommand, DescribeInstancesCommand, DescribeRegionsCommand, RunInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { amiId } from "./catalog.ts";
import { awsFailure, ec2Client, stsClient } from "./clients.ts";
import { startAwsEmulator, type AwsEmulator } from "./front.ts";

let hosts: HostPool;
let emu: AwsEmulator;
let ec2: EC2Client;

const IMAGE = amiId("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119");

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startAwsEmulator({ hosts });
  ec2 = ec2Client(emu);
});

afterEach(() => emu.faults.clear());

afterAll(async () => {
  ec2?.destroy();
  await emu?.stop();
  await hosts?.close();
});

const run = () => ec2.send(new RunInstancesCommand({ ImageId: IMAGE, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));

async function stateOf(id: string) {
  const i = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
  return { state: i.State!.Name, reason: i.StateReason };
}

describe("faults", () => {
  it("reject-token: EC2 answers 401 AuthFailure and STS 403 InvalidClientTokenId, for as many calls as asked", async () => {
    emu.faults.set({ kind: "reject-token" }, { times: 2 });
    const e = await awsFailure(ec2.send(new DescribeRegionsCommand({})));
    expect([e.$metadata.httpStatusCode, e.name, e.message]).toEqual([401, "AuthFailure", "AWS was not able to validate the provided access credentials"]);
    expect(e.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const s = await awsFailure(stsClient(emu).send(new GetCallerIdentityCommand({})));
    expect([s.$metadata.httpStatusCode, s.name, s.message]).toEqual([403, "InvalidClientTokenId", "The security token included in the request is invalid."]);
    expect((await ec2.send(new DescribeRegionsCommand({}))).Regions!.length).toBeGreaterThan(0);
  });

  it("rate-limit: 503 RequestLimitExceeded, which the SDK retries until its attempts run out", async () => {
    emu.faults.set({ kind: "rate-limit" });
    const e = await awsFailure(ec2.send(new DescribeInstancesCommand({})));
    expect([e.$metadata.httpStatusCode, e.name, e.message]).toEqual([503, "RequestLimitExceeded", "Request limit exceeded."]);
    emu.faults.set({ kind: "rate-limit" }, { times: 1 });
    const patient = ec2Client(emu, { maxAttempts: 3 });
    expect((await patient.send(new DescribeInstancesCommand({}))).Reservations).toBeDefined();
    patient.destroy();
    emu.faults.set({ kind: "rate-limit" }, { times: 1 });
    const t = await awsFailure(stsClient(emu).send(new GetCallerIdentityCommand({})));
    expect([t.$metadata.httpStatusCode, t.name]).toEqual([400, "Throttling"]);
  });

  it("quota: RunInstances answers 400 InstanceLimitExceeded and launches nothing", async () => {
    const before = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.length ?? 0;
    emu.faults.set({ kind: "quota" }, { times: 1 });
    const e = await awsFailure(run());
    expect([e.$metadata.httpStatusCode, e.name]).toEqual([400, "InstanceLimitExceeded"]);
    expect(e.message).toMatch(/^You have requested more instances \(1\) than your current instance limit of 0 allows/);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations?.length ?? 0).toBe(before);
  });

  it("action-fails: the launch is accepted, then the instance is terminated with AWS's state reason and no server", async () => {
    emu.faults.set({ kind: "action-fails" }, { times: 1 });
    const accepted = (await run()).Instances![0]!;
    expect(accepted.State!.Name).toBe("pending");
    expect(await stateOf(accepted.InstanceId!)).toEqual({
      state: "terminated",
      reason: { Code: "Server.InternalError", Message: "Server.InternalError: Internal error on launch" },
    });
    expect(hosts.get(accepted.InstanceId!)).toBeUndefined();

    emu.faults.set({ kind: "action-fails", code: "Server.InsufficientInstanceCapacity", message: "Insufficient capacity." }, { times: 1 });
    const second = (await run()).Instances![0]!;
    expect((await stateOf(second.InstanceId!)).reason).toEqual({
      Code: "Server.InsufficientInstanceCapacity",
      Message: "Server.InsufficientInstanceCapacity: Insufficient capacity.",
    });
    // The fault was used up: the next launch runs.
    expect((await stateOf((await run()).Instances![0]!.InstanceId!)).state).toBe("running");
  });

  it("slow-actions: a new instance stays pending for the given time, then runs", async () => {
    emu.faults.set({ kind: "slow-actions", ms: 1500 }, { times: 1 });
    const id = (await run()).Instances![0]!.InstanceId!;
    expect((await stateOf(id)).state).toBe("pending");
    await new Promise((r) => setTimeout(r, 1600));
    expect((await stateOf(id)).state).toBe("running");
  });

  it("catalog-down: catalog calls fail with 503 Unavailable while other calls work", async () => {
    emu.faults.set({ kind: "catalog-down", mode: "5xx" });
    for (const call of [new DescribeRegionsCommand({}), new DescribeImagesCommand({ Owners: ["099720109477"] })]) {
      const e = await awsFailure(ec2.send(call as never));
      expect([e.$metadata.httpStatusCode, e.name]).toEqual([503, "Unavailable"]);
    }
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toBeDefined();
  });

  it("catalog-down (timeout): catalog calls get no answer, so a client with a deadline gives up", async () => {
    emu.faults.set({ kind: "catalog-down", mode: "timeout" });
    const impatient = ec2Client(emu, { requestTimeout: 500 });
    const t0 = Date.now();
    const e = await awsFailure(impatient.send(new DescribeRegionsCommand({})));
    impatient.destroy();
    expect(e.name).toBe("TimeoutError");
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("are armed and cleared over the control API", async () => {
    const post = await fetch(`${emu.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ kind: "quota", times: 1 }) });
    expect(post.status).toBe(204);
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { faults: unknown[] };
    expect(state.faults).toEqual([{ kind: "quota" }]);
    expect((await fetch(`${emu.url}/_emulator/faults?kind=quota`, { method: "DELETE" })).status).toBe(204);
    expect(emu.faults.list()).toEqual([]);
    const bad = await fetch(`${emu.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ kind: "meteor" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("unknown fault kind");
  });
});
