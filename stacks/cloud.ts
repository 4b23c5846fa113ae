// The contract every cloud adapter fulfils. Adding a cloud is one adapter file, registered in
// ./clouds.ts; nothing outside stacks/ names a cloud.
import type { Input } from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
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

export interface Location {
  id: string;
  label: string;
}

export interface Size {
  id: string;
  label: string;
  cpus: number;
  memoryGb: number;
  diskGb: number;
  architecture?: string;
  /** Monthly and hourly price where it is offered, by location id. */
  prices: Record<string, { monthly: number; hourly: number }>;
}

export interface Image {
  id: string;
  label: string;
  architecture?: string;
}

export interface Catalog {
  currency: string;
  /** Where the prices come from, when the provider has no price API (shown with them). */
  pricesNote?: string;
  locations: Location[];
  sizes: Size[];
  images: Image[];
}

/** Everything a server program needs; it all travels as stack config (the key as a secret). */
export interface ServerSpec {
  cloud: string;
  name: string;
  region: string;
  size: string;
  image: string;
  sshPublicKey: string;
  /** A secret Output when the program reads it from stack config. */
  sshPrivateKey: Input<string>;
  /** Hoist's id for the node, written to the server as its identity and carried by its resources' tags. */
  nodeId: string;
  /** The operator's own public keys, installed for the login user beside Hoist's. */
  operatorKeys: string[];
  /** The monthly price at creation, recorded in the outputs. */
  priceMonthly?: string;
  /** Inbound TCP ports its firewall opens (22 always among them). */
  firewallPorts: readonly number[];
}

/** A provider failure in the operator's words. */
export interface ExplainedError {
  reason: string;
  /** The provider's own code, when it gave one. */
  code?: string;
  /** What the operator can do about it. */
  action: string;
  retryable: boolean;
  /** The provider refused the credential: Hoist marks it invalid. */
  auth: boolean;
}

export type PowerAction = "on" | "off";

/** A server as the provider knows it. */
export interface ServerRef {
  providerId: string;
  region: string;
}

/** A resource a crash left pending in a server's stack, to be found at the provider. */
export interface ResourceLookup {
  /** Its Pulumi type token. */
  type: string;
  /** The node id its server's resources are tagged (labelled) with: `hoist-node=<id>`. */
  nodeId: string;
  region: string;
  /** The inputs the engine had for it. */
  inputs: Record<string, unknown>;
}

export interface ProviderConfigValue {
  value: string;
  secret: boolean;
}

export interface CloudAdapter {
  id: string;
  label: string;
  credentialFields: CredentialField[];
  /** A read-only call to the provider's API with the credential. */
  checkCredential(cred: CloudCredential, opts?: { signal?: AbortSignal }): Promise<CredentialCheck>;
  /** Server provisioning. A cloud without it offers credentials only, until its adapter grows it. */
  servers?: ServerSupport;
}

export interface ServerSupport {
  /** What servers may be called at this provider. */
  name: { pattern: RegExp; maxLength: number; message: string };
  /** Locations, sizes with prices, and images, live from the provider's API. */
  catalog(cred: CloudCredential, opts?: { signal?: AbortSignal }): Promise<Catalog>;
  /** The user Hoist (and the operator) log in as on a server of this image: root, or the image's own user. */
  loginUser(image: string): string;
  /** Stack config for the cloud's Pulumi provider: the token as a secret, the endpoint. */
  providerConfig(cred: CloudCredential, server: { region: string }): Record<string, ProviderConfigValue>;
  /** The Pulumi program for one server. */
  program(spec: ServerSpec): PulumiFn;
  /** Maps a failed operation's message to a reason, a code and what to do next. */
  explainError(message: string): ExplainedError;
  /**
   * The codes of explainError that mean this size cannot be had in this region now (no capacity,
   * a regional quota): the same size in another region may well work.
   */
  regionalCodes: readonly string[];
  /** Powers the server on or off through the provider's API, waiting for the action. */
  power(cred: CloudCredential, server: ServerRef, action: PowerAction, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * The id of the server's resource of that type, to adopt one a crash left created at the
   * provider but pending in the stack's state. Found by the node's tag or label only, never by
   * name: names need not be unique, and another Hoist may share the account.
   */
  findResource(cred: CloudCredential, lookup: ResourceLookup): Promise<string | undefined>;
  /**
   * Where the server's power state shows in its stack: the resource type, the output property
   * and its value while it runs. A drift check reads it there; a Restore powers the server back on.
   */
  powerState: { type: string; property: string; running: string };
}
