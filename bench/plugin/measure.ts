// Timing of one plugin on one request: as protoc runs it (a process fed the request on
// stdin) and, for ours, in-process (the generator alone, without Node's start-up and the
// request's decoding).
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { median } from "../lib/report.js";

/** Seconds, or how long we waited for a run that timed out. */
export type Timing = { seconds: number; timedOut: boolean };

export interface Subprocess {
  command: string;
  args: string[];
}

/**
 * Runs `plugin` on the request in `requestFile` up to `runs` times and returns the median.
 * A run over `longRun` seconds is not repeated (one run of a minute says enough), and one
 * over `timeout` seconds is stopped. Fails if the plugin fails or answers with an error.
 */
export function timeSubprocess(
  plugin: Subprocess,
  requestFile: string,
  outFile: string,
  opts: { runs: number; timeout: number; longRun: number },
): Timing {
  const times: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const stdin = openSync(requestFile, "r");
    const stdout = openSync(outFile, "w");
    const start = performance.now();
    const r = spawnSync(plugin.command, plugin.args, {
      stdio: [stdin, stdout, "pipe"],
      timeout: opts.timeout * 1000,
      killSignal: "SIGKILL",
      maxBuffer: 16 << 20,
    });
    const seconds = (performance.now() - start) / 1000;
    closeSync(stdin);
    closeSync(stdout);
    if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") {
      rmSync(outFile, { force: true });
      return { seconds: opts.timeout, timedOut: true };
    }
    if (r.status !== 0) {
      throw new Error(`${plugin.command} ${plugin.args.join(" ")} exited ${r.status}: ${r.stderr?.toString()}`);
    }
    checkResponse(outFile);
    times.push(seconds);
    if (seconds > opts.longRun) break;
  }
  rmSync(outFile, { force: true });
  return { seconds: median(times), timedOut: false };
}

/** Median of `runs` calls of `fn`, in seconds; the first run's result is returned too. */
export function timeInProcess<T>(fn: () => T, runs: number): { seconds: number; result: T } {
  const times: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = fn();
    times.push((performance.now() - start) / 1000);
    result ??= r;
  }
  return { seconds: median(times), result: result as T };
}

function checkResponse(file: string): void {
  // Decoding a response of a gigabyte would cost more than the check is worth; the
  // process exited 0, and small responses are checked.
  if (statSync(file).size > 256 << 20) return;
  const response = fromBinary(CodeGeneratorResponseSchema, readFileSync(file));
  // plugin.proto's `error` is a proto2 optional string: unset reads as "".
  if (response.error !== "") throw new Error(`plugin answered with an error: ${response.error}`);
}
