// DigitalOcean: https://docs.digitalocean.com/reference/api/ (API v2).
import { z } from "zod";
import type { CloudAdapter } from "./cloud.ts";
import { checkFailure, getJson } from "./http.ts";

export const defaultEndpoint = "https://api.digitalocean.com";

const parseError = (body: unknown) => {
  const e = body as { id?: string; message?: string } | undefined;
  return { code: e?.id, message: e?.message };
};

export const digitalocean: CloudAdapter = {
  id: "digitalocean",
  label: "DigitalOcean",
  credentialFields: [
    {
      key: "token",
      label: "Personal access token",
      secret: true,
      help: "A token with read and write scope from API → Tokens in the DigitalOcean control panel.",
      schema: z
        .string()
        .regex(/^(dop_v1_[a-f0-9]{64}|[a-f0-9]{64})$/, "must be a DigitalOcean personal access token (dop_v1_ and 64 hex digits)"),
    },
  ],
  async checkCredential(cred, opts) {
    const base = cred.endpoint ?? defaultEndpoint;
    try {
      const res = await getJson<{ account?: { email?: string; status?: string } }>({
        url: `${base}/v2/account`,
        token: cred.secret.reveal().token ?? "",
        signal: opts?.signal,
        parseError,
      });
      if (res.account?.status && res.account.status !== "active") {
        return { validity: "invalid", reason: `DigitalOcean account is ${res.account.status}` };
      }
      return { validity: "valid" };
    } catch (err) {
      return checkFailure(err, "DigitalOcean");
    }
  },
};
