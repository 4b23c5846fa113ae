// AWS: Hoist killed mid-create (see crash.ts), beside a foreign instance with the same Name tag.
import { crashSuite } from "./crash.ts";

crashSuite("aws", { slowMs: 15_000, foreignName: "crashy" });
