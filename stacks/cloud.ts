// The contract every cloud adapter fulfils. Adding a cloud is one adapter file, registered in
// ./clouds.ts; nothing outside stacks/ names a cloud.
import type { z } from "zod";
import type { Secret } from "../state/secrets.ts";

/** One field of a credential form: secret fields are sealed, the others kept as settings. */
export interface CredentialField {
  key: string;
  label: string;
  secret: boolean;
  schema: z.ZodType<string, string>;
  help?: string;
  placeholder?: string;
}

export interface CloudCredential {
  secret: Secret<Record<string, string>>;
  settings: Record<string, string>;
  /** API endpoint override (private clouds, the test bed); the public API when absent. */
  endpoint?: string;
}

export type CredentialCheck =
  | { validity: "valid"; detail?: string }
  /** The provider answered and refused the credential. */
  | { validity: "invalid"; reason: string }
  /** The provider could not be asked (down, unreachable, rate limited). */
  | { validity: "unverified"; reason: string };

export interface CloudAdapter {
  id: string;
  label: string;
  credentialFields: CredentialField[];
  /** A read-only call to the provider's API with the credential. */
  checkCredential(cred: CloudCredential, opts?: { signal?: AbortSignal }): Promise<CredentialCheck>;
}
