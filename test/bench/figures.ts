// The figures `npm run bench` prints, in order, one module each. A figure whose feature is not in
// this build yet is a pending line here, replaced with its module once the feature is in.
import { concurrency } from "./figures/concurrency.ts";
import { liveView } from "./figures/live-view.ts";
import { overhead } from "./figures/overhead.ts";
import { pageScale } from "./figures/page-scale.ts";
import { pending, type Figure } from "./report.ts";

export const figures: readonly Figure[] = [
  overhead,
  concurrency,
  liveView,
  pageScale,
  pending("drift-sweep", "5. Drift sweep: 100 ready stacks at parallelism 4, per stack against a bare previewRefresh", "the drift sweep (branch drift) is not in this build yet"),
  pending("journey", "6. The operator's journey in Chromium: first visit to a running app", "it needs the marketplace's deploy pages (branch marketplace-ui), not in this build yet"),
];
