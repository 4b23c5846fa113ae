// AWS EC2 servers resized, refirewalled and rebuilt through Hoist: the shared suite (see suite.ts).
import { serverChangeSuite } from "./suite.ts";

serverChangeSuite("aws", "AWS EC2");
