// Security group rules between the provider's shape (ingress/egress sets of
// {protocol, fromPort, toPort, cidrBlocks, …}) and EC2's IpPermissions.
import type { IpPermission } from "@aws-sdk/client-ec2";
import { canonical } from "../bridge.ts";

export interface Rule {
  cidrBlocks: string[];
  description: string;
  fromPort: number;
  ipv6CidrBlocks: string[];
  prefixListIds: string[];
  protocol: string;
  securityGroups: string[];
  self: boolean;
  toPort: number;
}

const PROTOCOL_NAMES: Record<string, string> = { "1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6", all: "-1" };

/** Terraform's protocolForValue: names for the well-known numbers, "-1" for all. */
export function normalizeProtocol(p: unknown): string {
  const v = String(p ?? "").toLowerCase();
  return PROTOCOL_NAMES[v] ?? v;
}

/** A rule as the provider stores it: every field present, lists sorted. */
export function normalizeRule(r: Partial<Rule> & Record<string, unknown>): Rule {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String).sort() : []);
  return {
    cidrBlocks: list(r.cidrBlocks),
    description: String(r.description ?? ""),
    fromPort: Number(r.fromPort ?? 0),
    ipv6CidrBlocks: list(r.ipv6CidrBlocks),
    prefixListIds: list(r.prefixListIds),
    protocol: normalizeProtocol(r.protocol),
    securityGroups: list(r.securityGroups),
    self: Boolean(r.self),
    toPort: Number(r.toPort ?? 0),
  };
}

export function normalizeRules(v: unknown): Rule[] {
  return (Array.isArray(v) ? v : []).map(normalizeRule).sort((a, b) => canonical(a).localeCompare(canonical(b)));
}

export function toPermission(r: Rule, groupId: string): IpPermission {
  const d = r.description || undefined;
  const pairs = [...r.securityGroups, ...(r.self ? [groupId] : [])];
  return {
    IpProtocol: r.protocol,
    FromPort: r.fromPort,
    ToPort: r.toPort,
    IpRanges: r.cidrBlocks.length ? r.cidrBlocks.map((CidrIp) => ({ CidrIp, Description: d })) : undefined,
    Ipv6Ranges: r.ipv6CidrBlocks.length ? r.ipv6CidrBlocks.map((CidrIpv6) => ({ CidrIpv6, Description: d })) : undefined,
    PrefixListIds: r.prefixListIds.length ? r.prefixListIds.map((PrefixListId) => ({ PrefixListId, Description: d })) : undefined,
    UserIdGroupPairs: pairs.length ? pairs.map((GroupId) => ({ GroupId, Description: d })) : undefined,
  };
}

/** The smallest facts a rule set grants: one per protocol, port range, source and description. */
function atoms(rules: Rule[], groupId: string): string[] {
  return rules
    .flatMap((r) => {
      const head = `${r.protocol}|${r.fromPort}|${r.toPort}|${r.description}|`;
      return [
        ...r.cidrBlocks.map((c) => head + "cidr:" + c),
        ...r.ipv6CidrBlocks.map((c) => head + "cidr6:" + c),
        ...r.prefixListIds.map((p) => head + "pl:" + p),
        ...r.securityGroups.map((g) => head + "sg:" + g),
        ...(r.self ? [head + "sg:" + groupId] : []),
      ];
    })
    .sort();
}

/**
 * The rules as read from the group. EC2 merges rules with the same protocol and ports into one
 * permission; when the live permissions grant exactly what the stored rules grant, the stored
 * rules are kept as written (as Terraform matches rules against the configuration), otherwise the
 * live ones are reported, one rule per permission and description.
 */
export function rulesFromPermissions(perms: IpPermission[], groupId: string, stored: Rule[]): Rule[] {
  const live: Rule[] = [];
  for (const p of perms) {
    const byDescription = new Map<string, Rule>();
    const rule = (description: string | undefined) => {
      const key = description ?? "";
      let r = byDescription.get(key);
      if (!r) {
        r = normalizeRule({ protocol: p.IpProtocol, fromPort: p.FromPort ?? 0, toPort: p.ToPort ?? 0, description: key });
        byDescription.set(key, r);
        live.push(r);
      }
      return r;
    };
    for (const x of p.IpRanges ?? []) rule(x.Description).cidrBlocks.push(x.CidrIp!);
    for (const x of p.Ipv6Ranges ?? []) rule(x.Description).ipv6CidrBlocks.push(x.CidrIpv6!);
    for (const x of p.PrefixListIds ?? []) rule(x.Description).prefixListIds.push(x.PrefixListId!);
    for (const x of p.UserIdGroupPairs ?? []) {
      if (x.GroupId === groupId) rule(x.Description).self = true;
      else rule(x.Description).securityGroups.push(x.GroupId!);
    }
  }
  const normalized = normalizeRules(live);
  return canonical(atoms(normalized, groupId)) === canonical(atoms(stored, groupId)) ? stored : normalized;
}

/** Rules in `a` that are not in `b`. */
export function rulesMissing(a: Rule[], b: Rule[]): Rule[] {
  const keys = new Set(b.map((r) => canonical(r)));
  return a.filter((r) => !keys.has(canonical(r)));
}
