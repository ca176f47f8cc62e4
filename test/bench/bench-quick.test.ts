// The runtime benchmark in smoke mode (every variant and scenario once, tiny counts), so that
// bench/ cannot rot. It fails only if a variant errors, never on speed.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

it("bench --smoke: every variant runs every scenario and the memory scenarios without an error", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--smoke"], {
    cwd: root,
    timeout: 60_000,
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`bench --smoke failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  });
  expect(stdout).not.toContain("Errors:");
  for (const variant of ["rpcgen", "protobuf-es glue", "pass-through", "proto-loader", "ts-proto", "connect-node"]) {
    expect(stdout).toContain(`| ${variant} `);
  }
  for (const scenario of ["unary, concurrency 64", "server stream, 16 KiB", "client stream", "bidi ping-pong"]) {
    expect(stdout).toMatch(new RegExp(`\\| ${scenario}[^|]*\\|( [0-9,]+ \\([0-9.]+×\\) \\|){6}`));
  }
  expect(stdout).toContain("idle server streams");
}, 90_000);

it("bench --smoke: the OpenTelemetry overhead variants run without an error", async () => {
  const args = ["--import", "tsx", "bench/run.ts", "--smoke", "--no-memory"];
  const variants = "rpcgen,rpcgen-again,otel-api,otel-sdk,otel-sdk-traces,otel-sdk-metrics,otel-bare-sdk";
  args.push("--variants", variants, "--scenarios", "unary-c16,server-stream-100b");
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 60_000 }).catch(
    (err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`bench --smoke (otel) failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
    },
  );
  expect(stdout).not.toContain("Errors:");
  for (const variant of [
    "rpcgen again (A/A)",
    "@rpcgen/runtime/otel, API only (no-op)",
    "@rpcgen/runtime/otel, SDK, no-op export",
    "@rpcgen/runtime/otel, SDK traces only",
    "@rpcgen/runtime/otel, SDK metrics only",
    "@rpcgen/runtime/otel, bare tracer and meter",
  ]) {
    expect(stdout).toContain(`| ${variant} `);
  }
}, 90_000);

it.each([
  ["connect", "| scenario | rpcgen listen() | rpcgen listen() again (A/A) | connect-node server |", 4],
  [
    "connect-h2",
    "| scenario | rpcgen listen(), HTTP/2 | rpcgen listen(), HTTP/2, again (A/A) | connect-node server, HTTP/2 |",
    7,
  ],
])(
  "bench --smoke --protocol %s: rpcgen's listen(), again, and connect-node's server run without an error",
  async (protocol, header, rows) => {
    const args = ["--import", "tsx", "bench/run.ts", "--smoke", "--protocol", protocol];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 60_000 }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(
          `bench --smoke --protocol ${protocol} failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`,
        );
      },
    );
    expect(stdout).not.toContain("Errors:");
    expect(stdout).toContain(header);
    const measured = stdout.match(/^\| [a-z][^|]*\([a-z /]+\)( \| [0-9,]+ \([0-9.]+×\)){3} \|$/gm) ?? [];
    expect(measured).toHaveLength(rows);
  },
  90_000,
);

it("bench --smoke: rpcgen against the Node peers, paired with rpcgen again (A/A), and the glue on the generated codec", async () => {
  const args = ["--import", "tsx", "bench/run.ts", "--smoke", "--no-memory", "--trials", "2"];
  args.push("--variants", "glue,glue-generated,rpcgen,rpcgen-again,proto-loader", "--scenarios", "server-stream-16k");
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 60_000 }).catch(
    (err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`bench --smoke (peers) failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
    },
  );
  expect(stdout).not.toContain("Errors:");
  expect(stdout).toContain("| glue, generated codec ");
  const header = stdout.split("\n").find((line) => line.startsWith("| per-trial ratio, median (quartiles) | rpcgen ÷"));
  expect(header).toContain("rpcgen ÷ proto-loader: throughput");
  expect(header).toContain("rpcgen again (A/A) ÷ rpcgen: throughput");
  expect(stdout).toMatch(/^\| server stream, 16 KiB( \| [0-9.]+ \([0-9.]+–[0-9.]+\)){6} \|$/m);
}, 90_000);

it("bench/gc-pressure.ts: a server's CPU per 16 KiB message beside its major collections", async () => {
  const args = [
    "--expose-gc",
    "--import",
    "tsx",
    "bench/gc-pressure.ts",
    "--server",
    "rpcgen",
    "--client",
    "proto-loader",
  ];
  args.push("--ballast-mb", "1", "--unary-first", "32", "--rounds", "2");
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 60_000 });
  const row = /^ *[0-9]+ +[0-9.]+ \([0-9.]+\) +[0-9.]+ \([0-9.]+, [0-9.]+ ms\) +[0-9.]+ MB$/;
  const rows = stdout.split("\n").filter((line) => row.test(line));
  expect(rows).toHaveLength(2);
  expect(stdout).toMatch(/^median server µs\/msg [0-9.]+$/m);
}, 90_000);
