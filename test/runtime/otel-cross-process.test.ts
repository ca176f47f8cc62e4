// One trace across two processes: this process is the client (the SDK in memory), and a child
// `node` process is the server, an ESM app started without --require that imports the built
// @rpcgen/runtime/otel through the package's exports and prints the spans it ends. Its project is a temp
// folder whose node_modules links this package, as in e2e-commonjs.test.ts.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { traceClientCalls } from "@rpcgen/runtime/otel";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EchoServiceClient } from "../golden/ts/fixtures/echo_rpc.js";
import { linkRepoPackages } from "../helpers/cli.js";
import { installOtel } from "../helpers/otel.js";
import { stopProcess } from "../helpers/service-process.js";

interface PrintedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  remote?: boolean;
  attributes: Record<string, unknown>;
}

const root = resolve(import.meta.dirname, "../..");
const project = mkdtempSync(join(tmpdir(), "rpcgen-otel-esm-"));
const otel = installOtel();
let child: ChildProcess;
let output = "";

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const found = find();
    if (found !== undefined) return found;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never saw ${what}; the server printed:\n${output}`);
}

const printedSpans = (): PrintedSpan[] =>
  output
    .split("\n")
    .filter((l) => l.startsWith("span "))
    .map((l) => JSON.parse(l.slice(5)) as PrintedSpan);

beforeAll(() => {
  cpSync(join(root, "test/golden/cjs"), join(project, "gen"), { recursive: true });
  cpSync(join(root, "test/fixtures/otel/traced-server.mjs"), join(project, "traced-server.mjs"));
  linkRepoPackages(project, ["@grpc", "@bufbuild", "@opentelemetry", "@rpcgen"]);
  // Plain node: neither vitest's loader nor tsx, the way a user starts an ESM app.
  child = spawn(process.execPath, ["traced-server.mjs"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
});

afterAll(async () => {
  await stopProcess(child);
  await otel.shutdown();
  rmSync(project, { recursive: true, force: true });
});

it("continues the client's trace in the server process: one trace id, the server span a child of the client span", async () => {
  const port = await waitFor(() => output.match(/listening on (\d+)/)?.[1], "listening");
  const target = `127.0.0.1:${port}`;
  const client = new EchoServiceClient(target, grpc.credentials.createInsecure(), {
    interceptors: [traceClientCalls({ target })],
  });
  const caller = trace.getTracer("test").startSpan("caller");
  try {
    const reply = await context.with(trace.setSpan(context.active(), caller), () => client.echo({ text: "hi" }));
    expect(reply.text).toBe("echo:hi");
  } finally {
    caller.end();
    client.$close();
  }

  const [clientSpan] = await otel.waitForSpans("fixtures.echo.v1.EchoService/Echo", 1);
  expect(clientSpan!.kind).toBe(SpanKind.CLIENT);
  const serverSpan = await waitFor(
    () => printedSpans().find((s) => s.name === "fixtures.echo.v1.EchoService/Echo"),
    "the server span",
  );
  const work = await waitFor(() => printedSpans().find((s) => s.name === "work"), "the handler's span");

  expect(serverSpan.kind).toBe(SpanKind.SERVER);
  expect(serverSpan.traceId).toBe(caller.spanContext().traceId);
  expect(clientSpan!.spanContext().traceId).toBe(caller.spanContext().traceId);
  expect(serverSpan.parentSpanId).toBe(clientSpan!.spanContext().spanId);
  expect(serverSpan.remote).toBe(true);
  expect(serverSpan.attributes).toMatchObject({
    "rpc.system": "grpc",
    "rpc.method": "Echo",
    "rpc.grpc.status_code": 0,
  });
  // The handler's own span, in the other process, nests under the server span.
  expect(work.traceId).toBe(caller.spanContext().traceId);
  expect(work.parentSpanId).toBe(serverSpan.spanId);
});
