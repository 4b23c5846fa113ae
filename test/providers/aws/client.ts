// The provider's configuration and its AWS clients: signed SigV4 query requests through
// @aws-sdk/client-ec2 and client-sts to the configured endpoints, with the provider's retry count.
//
// A stand-in only ever runs in the test bed, so it refuses to send anything to an endpoint outside
// 127.0.0.0/8: a stack that forgot to point `aws:endpoints` at the emulator fails loudly instead
// of reaching for the real AWS (where the official plugin would go).
import { EC2Client } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { ProviderConfig } from "../serve.ts";
import { AwsApiError, goSdkError, ProviderError } from "./errors.ts";
import { ACCOUNT_ID_NOT_FOUND, INVALID_CREDENTIALS, NO_CREDENTIALS, NO_REGION } from "./messages.ts";

export interface Settings {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  ec2Endpoint?: string;
  stsEndpoint?: string;
  /** Endpoint for the credential check, which the official provider resolves without `aws:endpoints`. */
  validationEndpoint?: string;
  maxRetries: number;
  skipCredentialsValidation: boolean;
  skipRequestingAccountId: boolean;
}

export class StandInEndpointError extends Error {
  override name = "StandInEndpointError";
}

type Command = { constructor: { name: string }; schema?: unknown };

/** The API operation a command sends (its schema names it; bundlers may rename the class). */
function operationOf(command: Command): string {
  const fromSchema = Array.isArray(command.schema) ? command.schema[2] : undefined;
  return typeof fromSchema === "string" ? fromSchema : command.constructor.name.replace(/Command\d*$/, "");
}

/** Where the provider reports warnings (the engine's log). */
export type Warn = (message: string) => void;

const bool = (v: string | undefined) => v !== undefined && /^(true|1)$/i.test(v.trim());

/** Reads the provider config (JSON-encoded values for non-strings) with the provider's env fallbacks. */
export function parseSettings(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): Settings {
  const endpoints = (config.endpoints ? (JSON.parse(config.endpoints) as Record<string, string>[] | null) : null) ?? [];
  const first = endpoints[0] ?? {};
  const maxRetries = Number(config.maxRetries ?? env.AWS_MAX_ATTEMPTS ?? 25);
  return {
    region: config.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || "",
    accessKeyId: config.accessKey || env.AWS_ACCESS_KEY_ID || "",
    secretAccessKey: config.secretKey || env.AWS_SECRET_ACCESS_KEY || "",
    sessionToken: config.token || env.AWS_SESSION_TOKEN || undefined,
    ec2Endpoint: first.ec2 || env.AWS_ENDPOINT_URL_EC2 || env.AWS_ENDPOINT_URL || undefined,
    stsEndpoint: first.sts || env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || undefined,
    validationEndpoint: env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || undefined,
    maxRetries: Number.isFinite(maxRetries) && maxRetries >= 0 ? maxRetries : 25,
    skipCredentialsValidation: bool(config.skipCredentialsValidation ?? env.AWS_SKIP_CREDENTIALS_VALIDATION),
    skipRequestingAccountId: bool(config.skipRequestingAccountId ?? env.AWS_SKIP_REQUESTING_ACCOUNT_ID),
  };
}

/** The AWS account the provider works in, as its clients see it. */
export class AwsSession {
  readonly partition = "aws";
  #ec2 = new Map<string, EC2Client>();
  accountId = "";

  constructor(
    readonly settings: Settings,
    private readonly warn: Warn = () => {},
  ) {}

  /** What the official provider checks before configuring: a region, credentials, and (unless skipped) STS. */
  async configure(): Promise<void> {
    const s = this.settings;
    if (!s.region) throw new ProviderError(NO_REGION);
    if (!s.accessKeyId || !s.secretAccessKey) throw new ProviderError(NO_CREDENTIALS);
    if (!s.skipCredentialsValidation) {
      try {
        const id = await this.#callerIdentity(s.validationEndpoint, "validating credentials: set AWS_ENDPOINT_URL_STS, or aws:skipCredentialsValidation");
        this.accountId = id.Account ?? "";
      } catch (err) {
        if (err instanceof StandInEndpointError) throw err;
        const text = `validating provider credentials: retrieving caller identity from STS: ${(err as Error).message}`;
        throw new ProviderError(
          /The security token included in the request is (invalid|expired)/.test(text) ? INVALID_CREDENTIALS : `unable to validate AWS credentials.\nDetails: ${text}\n`,
        );
      }
    } else if (!s.skipRequestingAccountId) {
      // Without validation, Terraform's aws-sdk-go-base only warns when it cannot learn the account.
      try {
        const id = await this.#callerIdentity(s.stsEndpoint, "looking up the account id: set aws:endpoints[0].sts, or aws:skipRequestingAccountId");
        this.accountId = id.Account ?? "";
      } catch (err) {
        if (err instanceof StandInEndpointError) throw err;
        this.warn(ACCOUNT_ID_NOT_FOUND);
      }
    }
  }

  /** Sends an EC2 request; failures come back as AwsApiError in aws-sdk-go-v2's wording. */
  async ec2<T>(command: Command, region = this.settings.region): Promise<T> {
    const endpoint = localEndpoint(this.settings.ec2Endpoint, "EC2: set aws:endpoints[0].ec2");
    let client = this.#ec2.get(region);
    if (!client) {
      client = new EC2Client({ region, endpoint, credentials: this.#credentials(), maxAttempts: this.settings.maxRetries + 1 });
      this.#ec2.set(region, client);
    }
    try {
      return (await client.send(command as never)) as T;
    } catch (err) {
      throw goSdkError(err, "EC2", operationOf(command), this.settings.maxRetries + 1, endpoint);
    }
  }

  arn(service: string, resource: string, region = this.settings.region): string {
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }

  async #callerIdentity(endpoint: string | undefined, hint: string) {
    const url = localEndpoint(endpoint, `STS (${hint})`);
    const sts = new STSClient({ region: this.settings.region, endpoint: url, credentials: this.#credentials(), maxAttempts: this.settings.maxRetries + 1 });
    try {
      return await sts.send(new GetCallerIdentityCommand({}));
    } catch (err) {
      throw goSdkError(err, "STS", "GetCallerIdentity", this.settings.maxRetries + 1, url);
    } finally {
      sts.destroy();
    }
  }

  #credentials() {
    const s = this.settings;
    return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken };
  }
}

function localEndpoint(endpoint: string | undefined, what: string): string {
  const host = endpoint ? new URL(endpoint).hostname : "";
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== "localhost") {
    throw new StandInEndpointError(
      `the test bed's aws stand-in only talks to local emulators, and no local endpoint is configured for ${what} (got ${endpoint ?? "the public AWS endpoint"})`,
    );
  }
  return endpoint!;
}

export { AwsApiError };
