import { describe, expect, it } from "vitest";
import { portsHeldOn } from "./node-ports.ts";

describe("reading a node's listening sockets", () => {
  it("reads ss -Hltnu", () => {
    const ss = ["tcp   LISTEN 0      128      127.0.1.2:8080      0.0.0.0:*", "tcp   LISTEN 0      128        0.0.0.0:22        0.0.0.0:*", "tcp   LISTEN 0      4096         [::]:443          [::]:*", "udp   UNCONN 0      0        127.0.1.9:53        0.0.0.0:*"].join("\n");
    expect([...portsHeldOn(ss, "127.0.1.2")].sort((a, b) => a - b)).toEqual([22, 443, 8080]);
  });

  it("reads busybox netstat -ltnu, ignoring other nodes' addresses", () => {
    const netstat = [
      "Active Internet connections (only servers)",
      "Proto Recv-Q Send-Q Local Address           Foreign Address         State",
      "tcp        0      0 127.0.1.2:8080          0.0.0.0:*               LISTEN",
      "tcp        0      0 127.0.1.3:9090          0.0.0.0:*               LISTEN",
      "tcp        0      0 :::5432                 :::*                    LISTEN",
    ].join("\n");
    expect([...portsHeldOn(netstat, "127.0.1.2")].sort((a, b) => a - b)).toEqual([5432, 8080]);
  });
});
