// The machine the figures were taken on, printed above them and kept in every JSON file: the
// same code on another machine gives other numbers.
import fs from "node:fs";
import os from "node:os";

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  pulumi: string;
  /** Load average when the run started: others sharing the machine show here. */
  load: number[];
}

export function describeMachine(pulumiVersion: string): Machine {
  const release = (() => {
    try {
      return /^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1] ?? os.type();
    } catch {
      return os.type();
    }
  })();
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: release,
    kernel: os.release(),
    node: process.version,
    pulumi: pulumiVersion,
    load: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

export const machineLine = (m: Machine) =>
  `${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}, Node ${m.node}, Pulumi ${m.pulumi}, load ${m.load.join(" ")}`;
