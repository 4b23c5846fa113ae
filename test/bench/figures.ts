// The figures `npm run bench` prints, in order, one module each. A feature that does not exist
// yet has a pending figure here; whoever builds it replaces that line with its module.
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
  pending("drift-sweep", "5. Drift sweep: 100 ready stacks at parallelism 4, per stack against a bare previewRefresh", "the drift sweep (scheduled refresh previews)"),
  pending("journey", "6. The operator's journey in Chromium: first visit to a running app", "the marketplace (app deployments)"),
];
