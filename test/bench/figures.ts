// The figures `npm run bench` prints, in the order they run, one module each.
import { concurrency } from "./figures/concurrency.ts";
import { driftSweep } from "./figures/drift-sweep.ts";
import { journey } from "./figures/journey.ts";
import { liveView } from "./figures/live-view.ts";
import { overhead } from "./figures/overhead.ts";
import { pageScale } from "./figures/page-scale.ts";
import type { Figure } from "./report.ts";

// Those on the shared fleet (1, 2 and 5) run first and one after another, so that its bed is
// closed before the others measure.
export const figures: readonly Figure[] = [
  overhead,
  concurrency,
  driftSweep,
  liveView,
  pageScale,
  journey,
];
