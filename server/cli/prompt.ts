// Confirmations at the shell. The question goes to stderr (stdout is Pulumi's output); the answer
// is one line of stdin, so a script may pipe it. No answer (end of input) is no.
import readline from "node:readline";

/** One line from stdin after `question`, or "" at the end of the input. */
export function ask(question: string, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input, output, terminal: false });
    let answered = false;
    output.write(question);
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once("close", () => {
      if (!answered) {
        output.write("\n");
        resolve("");
      }
    });
  });
}

/** A y/N question: only "y" or "yes" is yes. */
export async function confirm(question: string): Promise<boolean> {
  return /^(y|yes)$/i.test(await ask(`${question} [y/N] `));
}

/** Yes only when the answer is `expected` itself (a destroy asks for the stack's name). */
export async function confirmByName(question: string, expected: string): Promise<boolean> {
  return (await ask(`${question} `)) === expected;
}
