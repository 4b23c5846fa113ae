// What the page-scale figure times on each list: its page and its JSON API, a probe per way an
// operator reads it (the first page, the next, one deep in the list, filters). A list that does
// not exist yet is a pending surface; whoever builds it writes its surface file (its probes and
// the rows it needs seeded) and puts it in pages/surfaces.ts in place of the pending one.
import type { TestConsole, WebClient } from "../../support/console.ts";
import type { api } from "../../support/console.ts";

/** The seeded console every surface reads. */
export interface Seeded {
  console: TestConsole;
  admin: WebClient;
  api: ReturnType<typeof api>;
  /** Rows of each kind in the database now. */
  rows: number;
}

export interface Probe {
  label: string;
  /** A page path, or an API path under /api/v1 when `api`. */
  url: string;
  api?: boolean;
}

export interface Surface {
  name: string;
  /**
   * Writes this list's own rows for `count` more servers (the servers and nodes are seeded for
   * every surface), as the deployments list will need its deployments.
   */
  seed?(s: Seeded, count: number): void;
  /** The probes for the fleet as seeded now; may read the database to find a deep cursor. */
  probes(s: Seeded): Probe[] | Promise<Probe[]>;
}

export interface PendingSurface {
  name: string;
  pending: string;
}

/** A list without probes yet: `why` says what it waits for. */
export const pendingSurface = (name: string, why: string): PendingSurface => ({ name, pending: why });
