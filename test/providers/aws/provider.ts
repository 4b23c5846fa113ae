// The aws stand-in: the resources and the invoke Hoist's stacks use, dispatched by type token.
import type { StandIn } from "../serve.ts";
import { AwsSession, parseSettings, type Warn } from "./client.ts";
import { getAmi, GET_AMI } from "./getAmi.ts";
import { INSTANCE, instance } from "./instance.ts";
import { KEY_PAIR, keyPair } from "./keyPair.ts";
import { compact } from "./props.ts";
import type { ResourceType } from "./resource.ts";
import { SECURITY_GROUP, securityGroup } from "./securityGroup.ts";

/** The version @pulumi/aws requests (its package.json `pulumi.version`). */
export const VERSION = "7.48.0";

export class UnknownTokenError extends Error {
  override name = "UnknownTokenError";
}

/** The type token of a URN (`urn:pulumi:stack::project::parent$aws:ec2/instance:Instance::name`). */
function typeOf(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

export function awsProvider(warn: Warn = () => {}): StandIn {
  let session: AwsSession | undefined;
  const current = () => {
    if (!session) throw new Error("the aws provider has not been configured");
    return session;
  };
  const types: Record<string, ResourceType> = {
    [INSTANCE]: instance(current),
    [KEY_PAIR]: keyPair(current),
    [SECURITY_GROUP]: securityGroup(current),
  };
  const of = (urn: string) => {
    const t = types[typeOf(urn)];
    if (!t) throw new UnknownTokenError(`the test bed's aws stand-in does not implement resource type '${typeOf(urn)}'`);
    return t;
  };
  return {
    version: VERSION,
    async configure(config) {
      const s = new AwsSession(parseSettings(config), warn);
      await s.configure();
      session = s;
    },
    check: (urn, olds, news) => of(urn).check(urn, olds, news),
    diff: (id, urn, olds, news) => of(urn).diff(id, urn, olds, news),
    create: async (urn, inputs) => {
      const r = await of(urn).create(urn, inputs);
      return { id: r.id, outs: compact(r.outs) };
    },
    read: async (id, urn, props) => {
      const r = await of(urn).read(id, urn, props ?? {});
      return { ...r, props: compact(r.props) };
    },
    update: async (id, urn, olds, news) => ({ outs: compact((await of(urn).update(id, urn, olds, news)).outs) }),
    delete: (id, urn, props) => of(urn).delete(id, urn, props),
    invoke: async (token, args) => {
      if (token !== GET_AMI) throw new UnknownTokenError(`the test bed's aws stand-in does not implement function '${token}'`);
      const r = await getAmi(current(), args);
      return { outputs: compact(r.outputs) };
    },
  };
}
