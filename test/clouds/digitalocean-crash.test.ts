// DigitalOcean: Hoist killed mid-create (see crash.ts), beside a foreign droplet of the same name.
import { crashSuite } from "./crash.ts";

crashSuite("digitalocean", { slowMs: 20_000, foreignName: "crashy" });
