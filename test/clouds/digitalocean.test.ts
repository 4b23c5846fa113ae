// DigitalOcean droplets through Hoist: the shared suite (see suite.ts).
import { cloudSuite } from "./suite.ts";

cloudSuite("digitalocean", {
  label: "DigitalOcean",
  auth: { code: "unauthorized", reason: /^DigitalOcean rejected the API token: Unable to authenticate you \(request [0-9a-f-]{36}\)$/ },
  quota: { code: "droplet_limit", reason: /^The DigitalOcean account's droplet limit is reached: creating this\/these droplet\(s\) will exceed your droplet limit \(request [0-9a-f-]{36}\)$/ },
  failedAfterAcceptance: { code: "droplet_failed", reason: /^DigitalOcean could not start the droplet: it became off instead of active$/, kept: true },
});
