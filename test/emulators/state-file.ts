// An emulator's state on disk, for `npm run testbed` to keep the clouds across restarts: read
// once at start, written after every change. A write goes to a temporary file that is then
// renamed over the old one, so a crash mid-write leaves the previous state, never half of one.
import fs from "node:fs";
import path from "node:path";

export class StateFile<T> {
  #last: string | undefined;

  constructor(
    readonly file: string,
    /** The state as plain JSON data. */
    private readonly snapshot: () => T,
  ) {}

  /** The saved state, or undefined when there is none yet. */
  static read<T>(file: string): T | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new Error(`test bed: ${file} is not valid JSON (${(err as Error).message}); remove it to start that cloud over`);
    }
  }

  /** Writes the state if it differs from what was last written. Cheap enough to call after every request. */
  save(): void {
    const text = JSON.stringify(this.snapshot(), null, 1) + "\n";
    if (text === this.#last) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, "w", 0o600);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.#last = text;
  }
}
