// Hetzner: Hoist killed mid-create (see crash.ts). Names are unique in a Hetzner project, so the
// foreign server has a name of its own.
import { crashSuite } from "./crash.ts";

crashSuite("hetzner", { slowMs: 15_000, foreignName: "crashy-other" });
