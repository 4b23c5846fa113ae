// Drift of aws servers through Hoist: the shared suite (see suite.ts).
import { driftSuite } from "./suite.ts";

driftSuite("aws", {
  sizeProperty: "instanceType",
  resized: { instanceType: ["t3.small", "t3.medium"] },
  // The provider keeps the instance's tags twice: as declared (tags) and all of them (tagsAll).
  relabelled: { "tags.team": [null, "ops"], "tagsAll.team": [null, "ops"] },
  poweredOff: { instanceState: ["running", "stopped"] },
});
