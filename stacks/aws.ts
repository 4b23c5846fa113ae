// AWS EC2. Credentials are an access key pair and a default region.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { z } from "zod";
import type { CloudAdapter } from "./cloud.ts";

const authErrors = new Set(["InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure", "UnrecognizedClientException", "AccessDenied", "ExpiredToken"]);

export const aws: CloudAdapter = {
  id: "aws",
  label: "Amazon Web Services",
  credentialFields: [
    {
      key: "accessKeyId",
      label: "Access key ID",
      secret: true,
      placeholder: "AKIA…",
      schema: z.string().regex(/^[A-Z0-9]{16,128}$/, "must be an AWS access key ID: 16 to 128 capital letters and digits"),
    },
    {
      key: "secretAccessKey",
      label: "Secret access key",
      secret: true,
      schema: z.string().regex(/^[A-Za-z0-9/+=]{16,128}$/, "must be an AWS secret access key: 16 to 128 characters of A-Z, a-z, 0-9, / + ="),
    },
    {
      key: "region",
      label: "Default region",
      secret: false,
      placeholder: "eu-central-1",
      help: "Where servers go unless you pick another region.",
      schema: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/, "must be an AWS region such as eu-central-1"),
    },
  ],
  async checkCredential(cred, opts) {
    const secret = cred.secret.reveal();
    const sts = new STSClient({
      region: cred.settings.region,
      endpoint: cred.endpoint,
      credentials: { accessKeyId: secret.accessKeyId ?? "", secretAccessKey: secret.secretAccessKey ?? "" },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000 },
    });
    try {
      const id = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: opts?.signal });
      return { validity: "valid", detail: `account ${id.Account}` };
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
      const code = e.name;
      if (authErrors.has(code) || e.$metadata?.httpStatusCode === 403) {
        return { validity: "invalid", reason: `AWS rejected the credential: ${e.message} (${code})` };
      }
      if (e.$metadata?.httpStatusCode) return { validity: "unverified", reason: `AWS answered ${e.$metadata.httpStatusCode}: ${e.message} (${code})` };
      return { validity: "unverified", reason: `AWS could not be reached: ${e.message}` };
    } finally {
      sts.destroy();
    }
  },
};
