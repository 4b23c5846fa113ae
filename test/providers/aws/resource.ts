// The shape every stand-in resource implements, and EC2 tag updates, which all three share.
import { CreateTagsCommand, DeleteTagsCommand } from "@aws-sdk/client-ec2";
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "@pulumi/pulumi/provider/index.js";
import type { Props } from "../bridge.ts";
import type { AwsSession } from "./client.ts";

export interface ResourceType {
  check(urn: string, olds: Props, news: Props): Promise<CheckResult>;
  diff(id: string, urn: string, olds: Props, news: Props): Promise<DiffResult>;
  create(urn: string, inputs: Props): Promise<CreateResult>;
  read(id: string, urn: string, props: Props): Promise<ReadResult>;
  update(id: string, urn: string, olds: Props, news: Props): Promise<UpdateResult>;
  delete(id: string, urn: string, props: Props): Promise<void>;
}

/** The provider session, available once the engine has configured the provider. */
export type Session = () => AwsSession;

/** A read that found nothing: the engine drops the resource from state. */
export const GONE: ReadResult = { id: "", props: {} };

/** Brings a resource's tags from `olds` to `news` with DeleteTags and CreateTags, as Terraform's UpdateTags does. */
export async function updateTags(aws: AwsSession, resourceId: string, olds: Record<string, string> = {}, news: Record<string, string> = {}): Promise<void> {
  const removed = Object.keys(olds).filter((k) => !(k in news));
  const changed = Object.entries(news).filter(([k, v]) => olds[k] !== v);
  if (removed.length) await aws.ec2(new DeleteTagsCommand({ Resources: [resourceId], Tags: removed.map((Key) => ({ Key })) }));
  if (changed.length) await aws.ec2(new CreateTagsCommand({ Resources: [resourceId], Tags: changed.map(([Key, Value]) => ({ Key, Value })) }));
}
