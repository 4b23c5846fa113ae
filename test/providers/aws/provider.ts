// The aws stand-in: the resources and the invoke Hoist's stacks use, dispatched by type token.
import { clean, urnType } from "../bridge.ts";
import type { StandIn } from "../serve.ts";
import { AwsSession, parseSettings, type Warn } from "./client.ts";
import { getAmi, GET_AMI } from "./getAmi.ts";
import { INSTANCE, instance } from "./instance.ts";
import { KEY_PAIR, keyPair } from "./keyPair.ts";
import type { ResourceType } from "./resource.ts";
import { SECURITY_GROUP, securityGroup } from "./securityGroup.ts";

/** The version @pulumi/aws requests (its package.json `pulumi.version`). */
export const VERSION = "7.48.0";

export class UnknownTokenError extends Error {
  override name = "UnknownTokenError";
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
    const t = types[urnType(urn)];
    if (!t) throw new UnknownTokenError(`the test bed's aws stand-in does not implement resource type '${urnType(urn)}'`);
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
      return { id: r.id, outs: clean(r.outs) };
    },
    read: async (id, urn, props) => {
      const r = await of(urn).read(id, urn, props ?? {});
      return { ...r, props: clean(r.props) };
    },
    update: async (id, urn, olds, news) => ({ outs: clean((await of(urn).update(id, urn, olds, news)).outs) }),
    delete: (id, urn, props) => of(urn).delete(id, urn, props),
    invoke: async (token, args) => {
      if (token !== GET_AMI) throw new UnknownTokenError(`the test bed's aws stand-in does not implement function '${token}'`);
      const r = await getAmi(current(), args);
      return { outputs: clean(r.outputs) };
    },
  };
}
