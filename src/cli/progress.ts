import * as clack from "@clack/prompts";
import { canPrompt } from "./prompts.js";

/**
 * Runs a long step (copy, install, generate) with a spinner on a terminal, or with a line
 * before and after it in logs, so a slow install never looks like a hang.
 */
export async function step<T>(label: string, run: () => Promise<T> | T): Promise<T> {
  if (canPrompt()) {
    const spin = clack.spinner();
    spin.start(label);
    try {
      const result = await run();
      spin.stop(`${label}: done`);
      return result;
    } catch (err) {
      spin.error(`${label}: failed`);
      throw err;
    }
  }
  process.stdout.write(`${label}...\n`);
  const started = Date.now();
  let result: T;
  try {
    result = await run();
  } catch (err) {
    // Never "done" after a failure; what the failed program said comes after this line.
    process.stdout.write(`${label}: failed\n`);
    throw err;
  }
  process.stdout.write(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}
