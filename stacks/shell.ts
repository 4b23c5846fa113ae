// Commands sent to nodes are built as data: an argv array becomes one shell line here, each word
// quoted so that the remote shell sees exactly those words. Nothing else turns values from a
// user, the catalog or a provider into shell text.

/** Words that need no quoting: a conservative set, so the line stays readable in logs. */
const bare = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word, quoted for a POSIX shell (single quotes; an embedded ' becomes '\''). */
export function quote(word: string): string {
  if (word.includes("\0")) throw new Error("a shell word cannot contain a NUL byte");
  if (word === "") return "''";
  if (bare.test(word)) return word;
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** An argv array as one shell line. */
export function shellLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("a command needs at least one word");
  return argv.map(quote).join(" ");
}

/**
 * A fixed script run with `sh -c`, its values passed as positional parameters ($1, $2, …) rather
 * than written into it; as root directly, or through `sudo -n` for a login user that is not root.
 */
export function scriptLine(script: string, args: readonly string[], opts: { sudo: boolean; name?: string }): string {
  const argv = ["sh", "-c", script, opts.name ?? "hoist", ...args];
  return shellLine(opts.sudo ? ["sudo", "-n", ...argv] : argv);
}
