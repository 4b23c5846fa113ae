// What the front adds to moto's instances: an emulated server (real sshd on a loopback address)
// per instance, logging in as its AMI's login user with the key pair it was launched with, and
// the lifecycle moto does not model — slow launches, launches that fail after being accepted,
// and instances that stop on their own.
import {
  DescribeInstanceTypesCommand,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import ssh2 from "ssh2";
import type { HostPool } from "../hosts.ts";
import { loginUserOf } from "./catalog.ts";
import type { InstanceView, RewriteContext } from "./rewrite.ts";

export type InstanceStateName = "pending" | "running" | "shutting-down" | "terminated" | "stopping" | "stopped";

const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface InstanceRecord {
  id: string;
  region: string;
  type: string;
  keyName?: string;
  /** The instance's server address while it has a server (until it is terminated). */
  address?: string;
  state: InstanceStateName;
  /** A state shown instead of moto's until `until` (slow actions). */
  transition?: { state: InstanceStateName; until: number };
  /** Why the instance last changed state, when the front decided it (failed launch, crash). */
  reason?: { code: string; message: string };
}

export interface Launch {
  id: string;
  type: string;
  /** The AMI: its login user is the server's. */
  imageId?: string;
  keyName?: string;
}

/** Instances, their servers and their key pairs, for one emulator. */
export class InstanceBook implements RewriteContext {
  readonly #records = new Map<string, InstanceRecord>();
  readonly #keys = new Map<string, string>();
  readonly #motoAddresses = new Map<string, string>();
  readonly #typeSpecs = new Map<string, Promise<{ cpus: number; memoryMb: number }>>();

  constructor(
    private readonly hosts: HostPool,
    /** A client that talks to moto directly, as the emulator's own account. */
    private readonly admin: (region: string) => EC2Client,
    /** Every instance gets a container runtime (HostSpec.docker). */
    private readonly docker = false,
  ) {}

  list(): InstanceRecord[] {
    return [...this.#records.values()];
  }

  get(id: string): InstanceRecord | undefined {
    return this.#records.get(id);
  }

  /** What the book knows, as plain data (for keeping the emulator across restarts). */
  saved(): BookSaved {
    return { records: this.list(), keys: [...this.#keys], motoAddresses: [...this.#motoAddresses] };
  }

  /** Takes back what saved() gave, before any request: the instances' hosts are restore()d separately. */
  load(saved: BookSaved): void {
    for (const r of saved.records) this.#records.set(r.id, { ...r, transition: undefined });
    for (const [k, v] of saved.keys) this.#keys.set(k, v);
    for (const [a, id] of saved.motoAddresses) this.#motoAddresses.set(a, id);
  }

  keyPairs(): { region: string; keyName: string; publicKey: string }[] {
    return [...this.#keys].map(([k, publicKey]) => {
      const [region, keyName] = JSON.parse(k) as [string, string];
      return { region, keyName, publicKey };
    });
  }

  /** Remembers a key pair's public key (ImportKeyPair sends it; CreateKeyPair answers a private key). */
  recordKey(region: string, keyName: string, material: { publicKey?: string; privateKeyPem?: string }): void {
    let line = material.publicKey?.trim();
    if (!line && material.privateKeyPem) {
      const parsed = ssh2.utils.parseKey(material.privateKeyPem);
      if (!(parsed instanceof Error)) line = `${parsed.type} ${parsed.getPublicSSH().toString("base64")}`;
    }
    if (line) this.#keys.set(JSON.stringify([region, keyName]), line);
  }

  forgetKey(region: string, keyName: string): void {
    this.#keys.delete(JSON.stringify([region, keyName]));
  }

  /** Instances moto accepted: each gets a server accepting its key pair, unless its launch is to fail. */
  async launched(region: string, launches: Launch[], opts: { slowMs?: number; failure?: { code: string; message: string } }): Promise<void> {
    const until = Date.now() + (opts.slowMs ?? 0);
    await Promise.all(
      launches.map(async (l) => {
        const record: InstanceRecord = { id: l.id, region, type: l.type, keyName: l.keyName, state: "pending" };
        if (opts.slowMs) record.transition = { state: "pending", until };
        this.#records.set(l.id, record);
        if (opts.failure) {
          await this.admin(region).send(new TerminateInstancesCommand({ InstanceIds: [l.id] }));
          record.state = "terminated";
          record.reason = opts.failure;
          return;
        }
        const key = l.keyName ? this.#keys.get(JSON.stringify([region, l.keyName])) : undefined;
        const host = await this.hosts.start(l.id, key ? [key] : [], {
          ...(await this.#typeSpec(region, l.type)),
          loginUser: loginUserOf(l.imageId),
          docker: this.docker,
        });
        record.address = host.address;
        record.state = "running";
      }),
    );
  }

  async stopped(ids: string[], slowMs = 0): Promise<void> {
    await Promise.all(ids.map((id) => this.#power(id, "stopped", slowMs)));
  }

  async started(ids: string[], slowMs = 0): Promise<void> {
    await Promise.all(ids.map((id) => this.#power(id, "running", slowMs)));
  }

  async terminated(ids: string[], slowMs = 0): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const r = this.#records.get(id);
        if (!r || r.state === "terminated") return;
        if (slowMs) r.transition = { state: "shutting-down", until: Date.now() + slowMs };
        r.state = "terminated";
        r.address = undefined;
        await this.hosts.remove(id);
      }),
    );
  }

  typeChanged(id: string, type: string): void {
    const r = this.#records.get(id);
    if (r) r.type = type;
  }

  /** Out of band: the instance stops by itself (a crash, a shutdown from inside). */
  async kill(id: string): Promise<void> {
    const r = this.#must(id);
    await this.admin(r.region).send(new StopInstancesCommand({ InstanceIds: [id], Force: true }));
    await this.#power(id, "stopped", 0);
    r.reason = { code: "Client.InstanceInitiatedShutdown", message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown" };
  }

  /** Out of band: someone resized the instance in the console (stop, change type, start). */
  async changeType(id: string, type: string): Promise<void> {
    const r = this.#must(id);
    const ec2 = this.admin(r.region);
    const wasRunning = r.state === "running";
    if (wasRunning) await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: type } }));
    if (wasRunning) await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    r.type = type;
    if (wasRunning && r.address) {
      await this.hosts.stop(id);
      await this.hosts.resume(id);
    }
  }

  /** Out of band: someone terminated the instance in the console. */
  async terminate(id: string): Promise<void> {
    const r = this.#must(id);
    await this.admin(r.region).send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await this.terminated([id]);
  }

  // RewriteContext: called while an answer from moto is rewritten.
  instance(id: string, motoAddresses: string[]): InstanceView | undefined {
    for (const a of motoAddresses) this.#motoAddresses.set(a, id);
    const r = this.#records.get(id);
    if (!r) return undefined;
    const showing = r.transition && Date.now() < r.transition.until ? r.transition.state : undefined;
    return {
      state: showing ? { name: showing, code: STATE_CODES[showing] } : undefined,
      reason: showing ? undefined : r.reason,
    };
  }

  addressFor(motoAddress: string): string | undefined {
    const id = this.#motoAddresses.get(motoAddress);
    return id ? this.#records.get(id)?.address : undefined;
  }

  #must(id: string): InstanceRecord {
    const r = this.#records.get(id);
    if (!r) throw new UnknownInstanceError(id);
    return r;
  }

  async #power(id: string, to: "running" | "stopped", slowMs: number): Promise<void> {
    const r = this.#records.get(id);
    if (!r || r.state === "terminated" || r.state === to) return;
    r.state = to;
    r.reason = undefined;
    if (slowMs) r.transition = { state: to === "running" ? "pending" : "stopping", until: Date.now() + slowMs };
    if (!r.address) return;
    if (to === "running") await this.hosts.resume(id);
    else await this.hosts.stop(id);
  }

  #typeSpec(region: string, type: string): Promise<{ cpus: number; memoryMb: number }> {
    let spec = this.#typeSpecs.get(type);
    if (!spec) {
      spec = this.admin(region)
        .send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as never] }))
        .then((out) => {
          const t = out.InstanceTypes?.[0];
          return { cpus: t?.VCpuInfo?.DefaultVCpus ?? 2, memoryMb: t?.MemoryInfo?.SizeInMiB ?? 2048 };
        });
      this.#typeSpecs.set(type, spec);
    }
    return spec;
  }
}

export interface BookSaved {
  records: InstanceRecord[];
  keys: [string, string][];
  motoAddresses: [string, string][];
}

export class UnknownInstanceError extends Error {
  override name = "UnknownInstanceError";
  constructor(readonly instanceId: string) {
    super(`no instance ${instanceId} in this emulator`);
  }
}
