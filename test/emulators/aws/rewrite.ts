// Rewrites moto's EC2 answers so that what leaves the front describes the test bed, not moto:
// every instance address becomes its emulated server's loopback address (or disappears when it has
// none), and instance states show the front's own lifecycle (slow launches, failed launches,
// instances that died on their own).
//
// The XML is edited as a tree that keeps element order (fast-xml-parser's preserveOrder), so the
// answer stays byte-for-byte moto's apart from the edited values.
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { escapeXml } from "./query.ts";

type Node = { [tag: string]: Node[] | string | Record<string, string> };

const OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  processEntities: false,
  parseTagValue: false,
  trimValues: false,
  suppressEmptyNode: true,
} as const;
const parser = new XMLParser(OPTIONS);
const builder = new XMLBuilder(OPTIONS);

/** Elements that hold one IPv4 address of an instance or its network interfaces. */
const ADDRESS_TAGS = new Set(["privateIpAddress", "ipAddress", "publicIp", "privateIp", "carrierIp", "customerOwnedIp"]);
/** Elements that hold a DNS name derived from such an address (`ip-10-0-0-1.ec2.internal`). */
const DNS_TAGS = new Set(["privateDnsName", "dnsName", "publicDnsName"]);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const DASHED_IPV4 = /^(?:ip|ec2)-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})[.]/;

export interface InstanceView {
  state?: { name: string; code: number };
  reason?: { code: string; message: string };
}

export interface RewriteContext {
  /** Called for each instance described in the answer, with the addresses moto gave it. */
  instance(id: string, motoAddresses: string[]): InstanceView | undefined;
  /** The loopback address that stands for a moto address, if its instance still has a server. */
  addressFor(motoAddress: string): string | undefined;
}

/** Quick test before paying for a parse: does this answer mention instance addresses or states? */
export function needsRewrite(xml: string): boolean {
  return /<(privateIpAddress|ipAddress|publicIp|privateIp|privateDnsName|dnsName|publicDnsName|instanceState)>/.test(xml);
}

export function rewriteEc2Xml(xml: string, ctx: RewriteContext): string {
  const tree = parser.parse(xml) as Node[];
  visitInstances(tree, ctx);
  return builder.build(rewriteAddresses(tree, ctx)) as string;
}

function children(node: Node): Node[] {
  for (const [k, v] of Object.entries(node)) if (k !== ":@" && Array.isArray(v)) return v;
  return [];
}

function tagOf(node: Node): string {
  return Object.keys(node).find((k) => k !== ":@") ?? "";
}

function textOf(nodes: Node[] | undefined): string {
  return (nodes ?? []).map((n) => (typeof n["#text"] === "string" ? n["#text"] : "")).join("");
}

function child(node: Node, tag: string): Node | undefined {
  return children(node).find((c) => tagOf(c) === tag);
}

function setText(node: Node, tag: string, value: string): void {
  const c = child(node, tag);
  if (c) c[tag] = value === "" ? [] : [{ "#text": escapeXml(value) }];
}

function visitInstances(nodes: Node[], ctx: RewriteContext): void {
  for (const node of nodes) {
    if (tagOf(node) === "#text") continue;
    const id = child(node, "instanceId");
    const state = child(node, "instanceState");
    if (id && state) {
      const view = ctx.instance(textOf(id.instanceId as Node[]), collectAddresses(node));
      if (view?.state) {
        setText(state, "code", String(view.state.code));
        setText(state, "name", view.state.name);
      }
      const reason = child(node, "stateReason");
      if (view?.reason && reason) {
        setText(reason, "code", view.reason.code);
        setText(reason, "message", view.reason.message);
      }
    }
    visitInstances(children(node), ctx);
  }
}

function collectAddresses(node: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    const tag = tagOf(n);
    if (ADDRESS_TAGS.has(tag)) {
      const v = textOf(n[tag] as Node[]);
      if (IPV4.test(v)) out.push(v);
    }
    children(n).forEach(walk);
  };
  walk(node);
  return out;
}

function rewriteAddresses(nodes: Node[], ctx: RewriteContext): Node[] {
  const out: Node[] = [];
  for (const node of nodes) {
    const tag = tagOf(node);
    if (ADDRESS_TAGS.has(tag)) {
      const value = textOf(node[tag] as Node[]);
      if (IPV4.test(value) && !value.startsWith("127.")) {
        const replacement = ctx.addressFor(value);
        // An address with no server behind it (a terminated or failed instance) is left out,
        // as AWS leaves out the public address of a terminated instance.
        if (replacement) out.push({ [tag]: [{ "#text": replacement }] });
        continue;
      }
    } else if (DNS_TAGS.has(tag)) {
      const m = DASHED_IPV4.exec(textOf(node[tag] as Node[]));
      if (m) {
        const replacement = ctx.addressFor(m.slice(1, 5).join("."));
        out.push({ [tag]: replacement ? [{ "#text": replacement }] : [] });
        continue;
      }
    } else if (tag !== "#text") {
      node[tag] = rewriteAddresses(children(node), ctx);
    }
    out.push(node);
  }
  return out;
}
