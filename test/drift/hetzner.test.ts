// Drift of hetzner servers through Hoist: the shared suite (see suite.ts).
import { driftSuite } from "./suite.ts";

driftSuite("hetzner", {
  sizeProperty: "serverType",
  resized: { serverType: ["cx22", "cx32"] },
  relabelled: { "labels.team": [null, "ops"] },
  poweredOff: { status: ["running", "off"] },
});
