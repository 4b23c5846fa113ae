// Turns a fresh moto into an AWS account that checks credentials: one IAM user allowed everything,
// whose access key the emulator hands out, then moto's request authentication switched on. From
// then on moto verifies every SigV4 signature, so a wrong key gets EC2's 401 AuthFailure and STS's
// 403 InvalidClientTokenId, and a wrong secret a signature error, exactly as AWS answers them.
import { DescribeRegionsCommand, type EC2Client } from "@aws-sdk/client-ec2";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export class MotoBootstrapError extends Error {
  override name = "MotoBootstrapError";
}

const ALLOW_ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

export async function bootstrapCredentials(motoUrl: string): Promise<Credentials> {
  // Authentication is still off: moto only reads the credential scope to route the call to IAM.
  const iam = async (params: Record<string, string>) => {
    const res = await fetch(`${motoUrl}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIAEMULATORSETUP/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: new URLSearchParams({ Version: "2010-05-08", ...params }),
    });
    const text = await res.text();
    if (!res.ok) throw new MotoBootstrapError(`moto IAM ${params.Action}: ${res.status} ${text}`);
    return text;
  };
  await iam({ Action: "CreateUser", UserName: "hoist-testbed" });
  await iam({ Action: "PutUserPolicy", UserName: "hoist-testbed", PolicyName: "allow-all", PolicyDocument: ALLOW_ALL });
  const key = await iam({ Action: "CreateAccessKey", UserName: "hoist-testbed" });
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(key)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(key)?.[1];
  if (!accessKeyId || !secretAccessKey) throw new MotoBootstrapError(`moto IAM CreateAccessKey: unexpected answer ${key}`);
  const auth = await fetch(`${motoUrl}/moto-api/reset-auth`, { method: "POST", body: "0" });
  if (!auth.ok) throw new MotoBootstrapError(`moto reset-auth: ${auth.status}`);
  return { accessKeyId, secretAccessKey };
}

/** The regions moto serves (AWS's commercial regions); a request scoped to any other is refused. */
export async function knownRegions(ec2: EC2Client): Promise<Set<string>> {
  const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
  return new Set((out.Regions ?? []).map((r) => r.RegionName!).filter(Boolean));
}
