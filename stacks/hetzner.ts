// Hetzner Cloud: https://docs.hetzner.cloud/ (API v1).
import { z } from "zod";
import type { CloudAdapter } from "./cloud.ts";
import { checkFailure, getJson } from "./http.ts";

export const defaultEndpoint = "https://api.hetzner.cloud/v1";

const parseError = (body: unknown) => {
  const e = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return { code: e?.code, message: e?.message };
};

export const hetzner: CloudAdapter = {
  id: "hetzner",
  label: "Hetzner Cloud",
  credentialFields: [
    {
      key: "token",
      label: "API token",
      secret: true,
      help: "A Read & Write token from the Hetzner Cloud console: Security → API tokens.",
      schema: z.string().regex(/^[A-Za-z0-9]{64}$/, "must be a Hetzner Cloud API token: 64 letters and digits"),
    },
  ],
  async checkCredential(cred, opts) {
    const base = cred.endpoint ?? defaultEndpoint;
    try {
      await getJson({ url: `${base}/locations?per_page=1`, token: cred.secret.reveal().token ?? "", signal: opts?.signal, parseError });
      return { validity: "valid" };
    } catch (err) {
      return checkFailure(err, "Hetzner");
    }
  },
};
