// Plugin speed (issue 8): protoc-gen-ts-rpc and protoc-gen-es on Google Cloud's protos.
//
//   npm run build && npx tsx bench/plugin/run.ts [--quick] [--runs N] [--timeout S] [--skip-es]
//
// Prints a markdown table. --quick: cloud 100, cloud 300 and compute.proto, one run each,
// protoc-gen-es stopped after 15 s (it needs minutes for compute.proto). The full run adds
// cloud 1000 and the whole tree, takes the median of 3 runs, and stops protoc-gen-es after
// 900 s. --skip-es times protoc-gen-ts-rpc alone (protoc-gen-es needs most of the full run's
// 30 minutes). Requests are compiled once per set with buf and cached in the temp dir.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { buildRequest, countRpcs, inputSets, protoRoot } from "../../test/fixtures/plugin-speed/inputs.js";
import { type Subprocess, type Timing, timeInProcess, timeSubprocess } from "./measure.js";

const root = join(import.meta.dirname, "../..");
// Both plugins get the same options, as users run them side by side.
const PARAMETER = "target=ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    timeout: { type: "string" },
    "skip-es": { type: "boolean", default: false },
  },
});
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 1 : 3));
const timeout = Number(values.timeout ?? (quick ? 15 : 900));

const tsRpc: Subprocess = { command: process.execPath, args: [join(root, "bin/protoc-gen-ts-rpc.js")] };
const es: Subprocess = {
  command: process.execPath,
  args: [join(root, "node_modules/@bufbuild/protoc-gen-es/bin/protoc-gen-es")],
};

async function main() {
  checkDist();
  // In-process timing runs the same built code the bin runs.
  const { runPlugin } = (await import(join(root, "dist/plugin/main.js"))) as typeof import("../../src/plugin/main.js");
  const work = mkdtempSync(join(tmpdir(), "rpcgen-bench-plugin-"));
  const rows: string[][] = [];
  try {
    for (const set of inputSets(quick)) {
      process.stderr.write(`${set.name}: compiling ${set.files.length} files with buf...\n`);
      const request = buildRequest(set, PARAMETER);
      const requestFile = join(work, "request.binpb");
      writeFileSync(requestFile, toBinary(CodeGeneratorRequestSchema, request));
      const out = join(work, "response.binpb");
      const opts = { runs, timeout, longRun: 30 };
      process.stderr.write(`${set.name}: protoc-gen-ts-rpc...\n`);
      const ours = timeSubprocess(tsRpc, requestFile, out, opts);
      const inProcess = timeInProcess(() => runPlugin(request), runs);
      if (inProcess.result.error !== "") throw new Error(`${set.name}: ${inProcess.result.error}`);
      let theirs: Timing | undefined;
      if (!values["skip-es"]) {
        process.stderr.write(`${set.name}: protoc-gen-es...\n`);
        theirs = timeSubprocess(es, requestFile, out, opts);
      }
      const row = [
        set.name,
        fmtInt(set.files.length),
        fmtInt(countRpcs(request)),
        fmt(ours),
        inProcess.seconds.toFixed(2),
        theirs ? fmt(theirs) : "–",
        theirs ? ratio(theirs, ours) : "–",
      ];
      process.stderr.write(`${row.join(" | ")}\n`);
      rows.push(row);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `Plugin speed, google-proto-files ${protoRoot().version}, option ${PARAMETER}, ${quick ? "quick (1 run)" : `median of ${runs} runs`}; Node ${process.version}, ${cpus().length} × ${cpu}\n`,
  );
  console.log(
    table(
      ["input set", "files", "rpcs", "protoc-gen-ts-rpc s", "ts-rpc in-process s", "protoc-gen-es s", "es / ts-rpc"],
      rows,
    ),
  );
}

/** The bin runs dist/: refuse to time a build older than the source. */
function checkDist() {
  const built = join(root, "dist/plugin/main.js");
  if (!existsSync(built)) throw new Error("dist/plugin is missing: run `npm run build` first");
  const src = join(root, "src/plugin");
  const newest = Math.max(...readdirSync(src).map((name) => statSync(join(src, name)).mtimeMs));
  if (statSync(built).mtimeMs < newest)
    process.stderr.write("warning: src/plugin is newer than dist: run `npm run build`\n");
}

const fmt = (t: Timing) => (t.timedOut ? `> ${t.seconds}` : t.seconds.toFixed(2));
const fmtInt = (n: number) => n.toLocaleString("en-US");
function ratio(theirs: Timing, ours: Timing): string {
  const r = (theirs.seconds / ours.seconds).toFixed(1);
  return theirs.timedOut ? `> ${r}×` : `${r}×`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const align = head.map((_, i) => (i === 0 ? "---" : "---:"));
  return [line(head), line(align), ...rows.map(line)].join("\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/plugin: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
