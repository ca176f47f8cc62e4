// The terminal client's screen, on a real readline interface over in-memory streams that act as a TTY.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { Terminal } from "../src/terminal.js";

function screen() {
  const input = new PassThrough();
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  const stderr = new PassThrough();
  let [out, err] = ["", ""];
  stdout.on("data", (c: Buffer) => {
    out += c;
  });
  stderr.on("data", (c: Buffer) => {
    err += c;
  });
  const lines = createInterface({ input, output: stdout, terminal: true });
  const terminal = new Terminal(lines, { interactive: true, stdout, stderr });
  const reset = () => {
    out = "";
  };
  return { input, lines, terminal, out: () => out, err: () => err, reset };
}

/** What a terminal shows of `raw`: escape sequences dropped, each line as last drawn. */
function visible(raw: string): string[] {
  const lines: string[] = [""];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is parsed
  for (const token of raw.split(/(\x1b\[[0-9;]*[A-Za-z]|\r|\n)/)) {
    if (token === "\n") lines.push("");
    else if (token === "\r" || token === "\x1b[0G" || token === "\x1b[1G") continue;
    else if (token === "\x1b[2K" || token === "\x1b[0K") lines[lines.length - 1] = "";
    else if (!token.startsWith("\x1b")) lines[lines.length - 1] += token;
  }
  return lines;
}

test("after a typed line, the prompt is drawn again", async () => {
  const s = screen();
  s.terminal.print("joining as alice");
  const typed = once(s.lines, "line");
  s.input.write("hi everyone\r");
  await typed;
  s.reset();
  s.terminal.ready();
  assert.deepEqual(visible(s.out()), ["> "]);
  s.lines.close();
});

test("a message arriving mid-typing goes above the prompt, which comes back with the typed text", async () => {
  const s = screen();
  s.terminal.ready();
  s.input.write("half a sen");
  await new Promise((r) => setImmediate(r));
  s.reset();
  s.terminal.print("[Broadcast] bob: hi");
  assert.deepEqual(visible(s.out()), ["[Broadcast] bob: hi", "> half a sen"]);
  s.lines.close();
});

test("an error wipes the prompt first: no stray '> ' before it, and no prompt after it", () => {
  const s = screen();
  s.terminal.ready();
  s.terminal.fail("chat failed: UNAVAILABLE: server is shutting down");
  assert.deepEqual(visible(s.out()), [""]);
  assert.equal(s.err(), "chat failed: UNAVAILABLE: server is shutting down\n");
  s.lines.close();
});
