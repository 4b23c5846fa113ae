// The figures `npm run bench` prints, in order, one module each. A figure not written yet (its
// feature came later) is a pending line here, to be replaced with its module.
import { concurrency } from "./figures/concurrency.ts";
import { driftSweep } from "./figures/drift-sweep.ts";
import { journey } from "./figures/journey.ts";
import { liveView } from "./figures/live-view.ts";
import { overhead } from "./figures/overhead.ts";
import { pageScale } from "./figures/page-scale.ts";
import { pending, type Figure } from "./report.ts";

export const figures: readonly Figure[] = [
  overhead,
  concurrency,
  liveView,
  pageScale,
  driftSweep,
  journey,
];
