// aws:ec2/securityGroup:SecurityGroup — Terraform's aws_security_group: create, wait until visible,
// revoke AWS's default allow-all egress, apply the configured rules; rule changes revoke and
// authorize the difference; delete retries while instances still use the group.
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type CreateSecurityGroupCommandOutput,
  type DescribeSecurityGroupsCommandOutput,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import type { CheckFailure } from "@pulumi/pulumi/provider/index.js";
import { autoname, reveal, type Field, type Props } from "../bridge.ts";
import type { AwsSession } from "./client.ts";
import { errorCode, fail } from "./errors.ts";
import { diffBySchema, tagMap, tagSpecs, uniqueId } from "./props.ts";
import { GONE, updateTags, type ResourceType, type Session } from "./resource.ts";
import { normalizeRules, rulesFromPermissions, rulesMissing, toPermission, type Rule } from "./sgRules.ts";
import { sleep, waitForState } from "./wait.ts";

export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";

const FIELDS: Record<string, Field> = {
  name: { replace: true, computed: true },
  namePrefix: { replace: true, computed: true },
  description: { replace: true },
  vpcId: { replace: true, computed: true },
  region: { replace: true, computed: true },
  ingress: { computed: true, norm: normalizeRules },
  egress: { computed: true, norm: normalizeRules },
  revokeRulesOnDelete: { norm: Boolean },
  tags: {},
};

export function securityGroup(session: Session): ResourceType {
  return {
    async check(urn, olds, news) {
      const failures: CheckFailure[] = [];
      const inputs: Props = { ...news, description: news.description ?? "Managed by Pulumi", revokeRulesOnDelete: news.revokeRulesOnDelete ?? false };
      const defaults: string[] = [];
      if (news.name === undefined && news.namePrefix === undefined) {
        // A name already in state is kept unless it is empty.
        inputs.name = autoname(urn, olds.name || undefined);
        defaults.push("name");
      }
      if (typeof inputs.name === "string" && inputs.name.startsWith("sg-")) {
        failures.push({ property: "name", reason: 'invalid value for name (cannot begin with "sg-")' });
      }
      if (news.name !== undefined && news.namePrefix !== undefined) {
        failures.push({ property: "name", reason: '"name": conflicts with name_prefix' });
      }
      return { inputs: { ...inputs, __defaults: defaults }, failures };
    },

    async diff(_id, _urn, olds, news) {
      return diffBySchema(olds, news, FIELDS);
    },

    async create(_urn, raw) {
      const inputs = reveal(raw);
      const aws = session();
      const region: string = inputs.region || aws.settings.region;
      const name: string = inputs.name ?? uniqueId(inputs.namePrefix);
      let id = "";
      try {
        const out = await aws.ec2<CreateSecurityGroupCommandOutput>(
          new CreateSecurityGroupCommand({
            GroupName: name,
            Description: inputs.description,
            VpcId: inputs.vpcId,
            TagSpecifications: tagSpecs("security-group", inputs.tags),
          }),
          region,
        );
        id = out.GroupId!;
      } catch (err) {
        fail(`creating Security Group (${name})`, err);
      }
      try {
        await waitForState({
          pending: [],
          target: ["exists"],
          timeoutMs: 5 * 60_000,
          refresh: async () => {
            const g = await findGroup(aws, id, region);
            return { value: g, state: g ? "exists" : "" };
          },
        });
      } catch (err) {
        fail(`waiting for Security Group (${id}) create`, err);
      }
      try {
        await aws.ec2(
          new RevokeSecurityGroupEgressCommand({ GroupId: id, IpPermissions: [{ IpProtocol: "-1", FromPort: 0, ToPort: 0, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }),
          region,
        );
      } catch (err) {
        fail(`revoking default IPv4 egress rule for Security Group (${id})`, err);
      }
      await applyRules(aws, id, region, "ingress", [], normalizeRules(inputs.ingress));
      await applyRules(aws, id, region, "egress", [], normalizeRules(inputs.egress));
      const outs = await readGroup(aws, id, { ...inputs, name, region });
      if (!outs) fail(`reading Security Group (${id})`, new Error("couldn't find resource"));
      return { id, outs };
    },

    async read(id, _urn, props) {
      const outs = await readGroup(session(), id, reveal(props));
      return outs ? { id, props: outs } : GONE;
    },

    async update(id, _urn, rawOlds, rawNews) {
      const olds = reveal(rawOlds);
      const news = reveal(rawNews);
      const aws = session();
      const region: string = olds.region || aws.settings.region;
      for (const direction of ["ingress", "egress"] as const) {
        if (news[direction] !== undefined) await applyRules(aws, id, region, direction, normalizeRules(olds[direction]), normalizeRules(news[direction]));
      }
      try {
        await updateTags(aws, id, olds.tags, news.tags);
      } catch (err) {
        fail(`updating tags for Security Group (${id})`, err);
      }
      return { outs: await readGroup(aws, id, { ...olds, ...news, name: olds.name, region }) };
    },

    async delete(id, _urn, raw) {
      const props = reveal(raw);
      const aws = session();
      const region: string = props.region || aws.settings.region;
      if (props.revokeRulesOnDelete) {
        await applyRules(aws, id, region, "ingress", normalizeRules(props.ingress), []);
        await applyRules(aws, id, region, "egress", normalizeRules(props.egress), []);
      }
      const until = Date.now() + 2 * 60_000;
      for (;;) {
        try {
          await aws.ec2(new DeleteSecurityGroupCommand({ GroupId: id }), region);
          return;
        } catch (err) {
          const code = errorCode(err);
          if (code === "InvalidGroup.NotFound") return;
          // An instance that is still shutting down keeps the group in use for a while.
          if ((code === "DependencyViolation" || code === "InvalidGroup.InUse") && Date.now() < until) {
            await sleep(1000);
            continue;
          }
          fail(`deleting Security Group (${id})`, err);
        }
      }
    },
  };
}

async function findGroup(aws: AwsSession, id: string, region: string): Promise<SecurityGroup | undefined> {
  try {
    const out = await aws.ec2<DescribeSecurityGroupsCommandOutput>(new DescribeSecurityGroupsCommand({ GroupIds: [id] }), region);
    return out.SecurityGroups?.[0];
  } catch (err) {
    if (errorCode(err) === "InvalidGroup.NotFound" || errorCode(err) === "InvalidGroupId.NotFound") return undefined;
    throw err;
  }
}

async function readGroup(aws: AwsSession, id: string, state: Props): Promise<Props | undefined> {
  const region: string = state.region || aws.settings.region;
  let g: SecurityGroup | undefined;
  try {
    g = await findGroup(aws, id, region);
  } catch (err) {
    fail(`reading Security Group (${id})`, err);
  }
  if (!g) return undefined;
  const tags = tagMap(g.Tags);
  return {
    arn: aws.arn("ec2", `security-group/${id}`, region),
    description: g.Description ?? "",
    egress: rulesFromPermissions(g.IpPermissionsEgress ?? [], id, normalizeRules(state.egress)),
    ingress: rulesFromPermissions(g.IpPermissions ?? [], id, normalizeRules(state.ingress)),
    name: g.GroupName ?? "",
    namePrefix: state.namePrefix ?? "",
    ownerId: g.OwnerId ?? "",
    region,
    revokeRulesOnDelete: Boolean(state.revokeRulesOnDelete),
    tags,
    tagsAll: tags,
    vpcId: g.VpcId ?? "",
  };
}

async function applyRules(aws: AwsSession, id: string, region: string, direction: "ingress" | "egress", olds: Rule[], news: Rule[]): Promise<void> {
  const revoke = rulesMissing(olds, news);
  const authorize = rulesMissing(news, olds);
  try {
    if (revoke.length) {
      const IpPermissions = revoke.map((r) => toPermission(r, id));
      await aws.ec2(
        direction === "ingress" ? new RevokeSecurityGroupIngressCommand({ GroupId: id, IpPermissions }) : new RevokeSecurityGroupEgressCommand({ GroupId: id, IpPermissions }),
        region,
      );
    }
    if (authorize.length) {
      const IpPermissions = authorize.map((r) => toPermission(r, id));
      await aws.ec2(
        direction === "ingress" ? new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions }) : new AuthorizeSecurityGroupEgressCommand({ GroupId: id, IpPermissions }),
        region,
      );
    }
  } catch (err) {
    fail(`updating Security Group (${id}) ${direction} rules`, err);
  }
}
