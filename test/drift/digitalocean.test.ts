// Drift of digitalocean servers through Hoist: the shared suite (see suite.ts).
import { expect } from "vitest";
import { driftSuite } from "./suite.ts";

driftSuite("digitalocean", {
  sizeProperty: "size",
  // The droplet's state also holds what its size gives it: memory and prices follow the size.
  resized: { size: ["s-1vcpu-1gb", "s-1vcpu-2gb"], memory: [1024, 2048], priceHourly: [0.00893, 0.01786], priceMonthly: [6, 12] },
  // Droplet tags are a list: the added one is the difference.
  relabelled: { tags: [expect.not.arrayContaining(["team:ops"]), expect.arrayContaining(["hoist", "team:ops"])] },
  poweredOff: { status: ["active", "off"] },
  // The cloud firewall lists its droplets: the deleted one is gone from it.
  alsoWhenDeleted: { firewall: { kind: "changed", properties: { dropletIds: [[expect.any(Number)], []] } } },
});
