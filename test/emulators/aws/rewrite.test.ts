// The front's rewriting of moto's answers, on a recorded RunInstances answer.
import { describe, expect, it } from "vitest";
import { needsRewrite, rewriteEc2Xml, type RewriteContext } from "./rewrite.ts";

const MOTO_ANSWER = `<?xml version="1.0" encoding="utf-8"?>
<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><reservationId>r-1</reservationId><instancesSet><item><networkInterfaceSet><item><association><publicDnsName>ip-54-214-223-194.ec2.internal</publicDnsName><publicIp>54.214.223.194</publicIp></association><description>a &amp; b</description><privateDnsName>ip-10-211-69-210.ec2.internal</privateDnsName><privateIpAddress>10.211.69.210</privateIpAddress></item></networkInterfaceSet><stateReason><code/><message/></stateReason><instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState><privateDnsName>ip-10-211-69-210.ec2.internal</privateDnsName><dnsName>ec2-54-214-223-194.compute-1.amazonaws.com</dnsName><privateIpAddress>10.211.69.210</privateIpAddress><ipAddress>54.214.223.194</ipAddress></item><item><instanceId>i-2</instanceId><instanceState><code>48</code><name>terminated</name></instanceState><dnsName>ec2-54-1-2-3.compute-1.amazonaws.com</dnsName><privateIpAddress>10.0.0.9</privateIpAddress><ipAddress>54.1.2.3</ipAddress></item></instancesSet></RunInstancesResponse>`;

function context(): RewriteContext & { seen: Record<string, string[]> } {
  const owner = new Map<string, string>();
  const seen: Record<string, string[]> = {};
  return {
    seen,
    instance(id, addresses) {
      seen[id] = addresses;
      for (const a of addresses) owner.set(a, id);
      return id === "i-1" ? { state: { name: "pending", code: 0 } } : { reason: { code: "Server.InternalError", message: "Server.InternalError: Internal error on launch" } };
    },
    addressFor: (a) => (owner.get(a) === "i-1" ? "127.0.1.7" : undefined),
  };
}

describe("rewriting moto's answers", () => {
  it("gives a served instance its loopback address everywhere and drops the addresses of one without a server", () => {
    expect(needsRewrite(MOTO_ANSWER)).toBe(true);
    const ctx = context();
    const xml = rewriteEc2Xml(MOTO_ANSWER, ctx);
    expect([...new Set(ctx.seen["i-1"])].sort()).toEqual(["10.211.69.210", "54.214.223.194"]);
    expect(xml.match(/\d+\.\d+\.\d+\.\d+/g)!.every((a) => a === "127.0.1.7")).toBe(true);
    expect(xml.match(/127\.0\.1\.7/g)).toHaveLength(8);
    expect(xml).not.toMatch(/ip-\d|ec2-\d/);
    expect(xml).toContain("<item><instanceId>i-2</instanceId><instanceState><code>48</code><name>terminated</name></instanceState><dnsName/></item>");
  });

  it("shows the front's state and reason, and keeps everything else byte for byte", () => {
    const xml = rewriteEc2Xml(MOTO_ANSWER, context());
    expect(xml).toContain("<instanceId>i-1</instanceId><instanceState><code>0</code><name>pending</name></instanceState>");
    expect(xml).toContain("<description>a &amp; b</description>");
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?><RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><reservationId>r-1</reservationId>')).toBe(true);
  });

  it("leaves answers without instance addresses alone", () => {
    expect(needsRewrite("<DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>")).toBe(false);
  });
});
