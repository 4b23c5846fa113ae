// Hetzner Cloud servers through Hoist: the shared suite (see suite.ts).
import { cloudSuite } from "./suite.ts";

cloudSuite("hetzner", {
  label: "Hetzner Cloud",
  auth: { code: "unauthorized", reason: /^Hetzner rejected the API token: unable to authenticate \(request [0-9a-f]{16}\)$/ },
  quota: { code: "resource_limit_exceeded", reason: /^The Hetzner project's server limit is reached: server limit exceeded \(request [0-9a-f]{16}\)$/ },
  failedAfterAcceptance: { code: "action_failed", reason: /no capacity left for this size/, kept: true },
});
