import { clearLine, cursorTo, type Interface } from "node:readline";

/**
 * The chat client's screen. In a terminal, what arrives is printed above the line being typed,
 * and the prompt (with what was typed so far) is drawn again after it; an error first wipes the
 * prompt, so it never reads `> chat failed: …`. Without a terminal (piped input), plain lines.
 */
export class Terminal {
  readonly #lines: Interface;
  readonly #stdout: NodeJS.WritableStream;
  readonly #stderr: NodeJS.WritableStream;
  readonly #interactive: boolean;

  constructor(
    lines: Interface,
    options: { interactive: boolean; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream },
  ) {
    this.#lines = lines;
    this.#interactive = options.interactive;
    this.#stdout = options.stdout ?? process.stdout;
    this.#stderr = options.stderr ?? process.stderr;
  }

  /** A line from the room (or a notice), above the prompt. */
  print(text: string): void {
    if (this.#interactive) this.#wipePrompt();
    this.#stdout.write(`${text}\n`);
    if (this.#interactive) this.#lines.prompt(true);
  }

  /** A typed line was handled: a fresh prompt for the next one (readline leaves none after Enter). */
  ready(): void {
    if (this.#interactive) this.#lines.prompt();
  }

  /** The session ended badly: the reason on a line of its own, and no prompt after it. */
  fail(text: string): void {
    if (this.#interactive) this.#wipePrompt();
    this.#stderr.write(`${text}\n`);
  }

  #wipePrompt(): void {
    clearLine(this.#stdout, 0);
    cursorTo(this.#stdout, 0);
  }
}
