// The live streams (SSE) open right now, per user: at most `perUser` at once, each closed when
// the session or API token it was opened with ends, or when its user's role or state changes
// (the browser's reconnect is then checked again, like any request).

/** What a stream was opened with. */
export interface StreamOwner {
  userId: string;
  sessionId?: string;
  tokenId?: string;
}

interface Open extends StreamOwner {
  close(): void;
}

export const MAX_STREAMS_PER_USER = 8;

export class StreamRegistry {
  readonly #byUser = new Map<string, Set<Open>>();

  constructor(readonly perUser = MAX_STREAMS_PER_USER) {}

  /** Registers a stream and returns its release; undefined when its user has `perUser` open already. */
  open(owner: StreamOwner, close: () => void): (() => void) | undefined {
    const mine = this.#byUser.get(owner.userId) ?? new Set<Open>();
    if (mine.size >= this.perUser) return undefined;
    const entry = { ...owner, close };
    mine.add(entry);
    this.#byUser.set(owner.userId, mine);
    return () => {
      mine.delete(entry);
      if (mine.size === 0 && this.#byUser.get(owner.userId) === mine) this.#byUser.delete(owner.userId);
    };
  }

  count(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  /** Closes every stream of the user, but those of the session `keepSession`. */
  closeUser(userId: string, keepSession?: string): void {
    this.#close((s) => s.userId === userId && (keepSession === undefined || s.sessionId !== keepSession));
  }

  closeSession(sessionId: string | undefined): void {
    if (sessionId) this.#close((s) => s.sessionId === sessionId);
  }

  closeToken(tokenId: string | undefined): void {
    if (tokenId) this.#close((s) => s.tokenId === tokenId);
  }

  #close(which: (s: Open) => boolean): void {
    for (const set of this.#byUser.values()) {
      for (const s of [...set]) {
        if (!which(s)) continue;
        set.delete(s);
        s.close();
      }
    }
  }
}
