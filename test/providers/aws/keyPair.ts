// aws:ec2/keyPair:KeyPair — Terraform's aws_key_pair: ImportKeyPair, then reads by name. The id is
// the key name; with neither keyName nor keyNamePrefix the name is Terraform's `terraform-<unique>`.
import { DeleteKeyPairCommand, DescribeKeyPairsCommand, ImportKeyPairCommand, type DescribeKeyPairsCommandOutput, type ImportKeyPairCommandOutput } from "@aws-sdk/client-ec2";
import type { CheckFailure } from "@pulumi/pulumi/provider/index.js";
import { reveal, type Field, type Props } from "../bridge.ts";
import { errorCode, fail } from "./errors.ts";
import { diffBySchema, tagMap, tagSpecs, uniqueId } from "./props.ts";
import { GONE, updateTags, type ResourceType, type Session } from "./resource.ts";

export const KEY_PAIR = "aws:ec2/keyPair:KeyPair";

const FIELDS: Record<string, Field> = {
  keyName: { replace: true, computed: true },
  keyNamePrefix: { replace: true, computed: true },
  publicKey: { replace: true, norm: (v) => String(v ?? "").trim() },
  region: { replace: true, computed: true },
  tags: {},
};

export function keyPair(session: Session): ResourceType {
  return {
    async check(_urn, _olds, news) {
      const failures: CheckFailure[] = [];
      if (news.publicKey === undefined) {
        failures.push({ property: "publicKey", reason: 'Missing required argument: The argument "public_key" is required, but no definition was found.' });
      }
      if (news.keyName !== undefined && news.keyNamePrefix !== undefined) {
        failures.push({ property: "keyName", reason: '"key_name": conflicts with key_name_prefix' });
      }
      return { inputs: news, failures };
    },

    async diff(_id, _urn, olds, news) {
      return diffBySchema(olds, news, FIELDS);
    },

    async create(_urn, raw) {
      const inputs = reveal(raw);
      const aws = session();
      const keyName: string = inputs.keyName ?? (inputs.keyNamePrefix ? uniqueId(inputs.keyNamePrefix) : uniqueId());
      const publicKey = String(inputs.publicKey).trim();
      try {
        await aws.ec2<ImportKeyPairCommandOutput>(
          new ImportKeyPairCommand({ KeyName: keyName, PublicKeyMaterial: Buffer.from(publicKey), TagSpecifications: tagSpecs("key-pair", inputs.tags) }),
          inputs.region,
        );
      } catch (err) {
        fail(`importing EC2 Key Pair (${keyName})`, err);
      }
      const outs = await readKeyPair(session, keyName, { ...inputs, publicKey });
      if (!outs) fail(`reading EC2 Key Pair (${keyName})`, new Error("couldn't find resource"));
      return { id: keyName, outs };
    },

    async read(id, _urn, props) {
      const outs = await readKeyPair(session, id, reveal(props));
      return outs ? { id, props: outs } : GONE;
    },

    async update(id, _urn, olds, news) {
      const n = reveal(news);
      try {
        await updateTags(session(), reveal(olds).keyPairId, reveal(olds).tags, n.tags);
      } catch (err) {
        fail(`updating tags for EC2 Key Pair (${id})`, err);
      }
      return { outs: await readKeyPair(session, id, { ...reveal(olds), ...n }) };
    },

    async delete(id, _urn, props) {
      try {
        await session().ec2(new DeleteKeyPairCommand({ KeyName: id }), reveal(props).region || undefined);
      } catch (err) {
        fail(`deleting EC2 Key Pair (${id})`, err);
      }
    },
  };
}

async function readKeyPair(session: Session, keyName: string, state: Props): Promise<Props | undefined> {
  const aws = session();
  const region = state.region || aws.settings.region;
  let out: DescribeKeyPairsCommandOutput;
  try {
    out = await aws.ec2(new DescribeKeyPairsCommand({ KeyNames: [keyName], IncludePublicKey: true }), region);
  } catch (err) {
    if (errorCode(err) === "InvalidKeyPair.NotFound") return undefined;
    fail(`reading EC2 Key Pair (${keyName})`, err);
  }
  const kp = out.KeyPairs?.[0];
  if (!kp) return undefined;
  const tags = tagMap(kp.Tags);
  return {
    arn: aws.arn("ec2", `key-pair/${keyName}`, region),
    fingerprint: kp.KeyFingerprint ?? "",
    keyName,
    keyNamePrefix: state.keyNamePrefix ?? "",
    keyPairId: kp.KeyPairId ?? "",
    keyType: kp.KeyType ?? "",
    publicKey: state.publicKey ?? kp.PublicKey ?? "",
    region,
    tags,
    tagsAll: tags,
  };
}
