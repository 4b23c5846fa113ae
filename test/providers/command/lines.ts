// The command's output as lines for the engine log: command/provider.ts sends each one as an
// ephemeral status message on the resource.

/** Splits a byte stream into lines as Go's bufio.Scanner does (no "\n", a trailing "\r" dropped). */
export class LineSplitter {
  #rest = "";
  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const lines = (this.#rest + chunk.toString()).split("\n");
    this.#rest = lines.pop()!;
    for (const line of lines) this.emit(line.replace(/\r$/, ""));
  }

  end(): void {
    if (this.#rest) this.emit(this.#rest.replace(/\r$/, ""));
    this.#rest = "";
  }
}
