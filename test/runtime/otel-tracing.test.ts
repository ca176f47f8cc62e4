// @rpcgen/runtime/otel over real gRPC with the real OpenTelemetry SDK: client and server spans for all
// four call kinds ending in success, error, cancel and deadline, the trace context carried in
// metadata, the server span active inside handlers (async generators too), message events,
// and the duration histograms.
import * as grpc from "@grpc/grpc-js";
import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { type CallContext, Code, type RequestStream, RpcError, type ServerStream } from "@rpcgen/runtime";
import { traceClientCalls, traceServerCalls } from "@rpcgen/runtime/otel";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EchoRequest, EchoRequestSchema, EchoResponseSchema } from "../golden/ts/fixtures/echo_pb.js";
import {
  EchoServiceClient,
  registerEchoServiceServer,
  UnimplementedEchoServiceServer,
} from "../golden/ts/fixtures/echo_rpc.js";
import { installOtel } from "../helpers/otel.js";
import { startServer } from "../helpers/server.js";

const otel = installOtel();
const app = trace.getTracer("test-app");
const SERVICE = "fixtures.echo.v1.EchoService";

/** Methods whose handler has started; a cancel waits for this so the server has a call to cancel. */
const started = new Set<string>();

/** A span of the app's own inside the handler: it must be a child of the server span. */
function work(method: string): void {
  started.add(method);
  app.startSpan(`work ${method}`).end();
}

/** "ok" succeeds, "fail" is a server error (INTERNAL), "refuse" a caller error, "hang" waits for the end. */
async function act(text: string, signal: AbortSignal): Promise<void> {
  if (text === "fail") throw new RpcError(Code.INTERNAL, "broken on purpose");
  if (text === "refuse") throw new RpcError(Code.FAILED_PRECONDITION, "refused on purpose");
  if (text === "hang") {
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    throw signal.reason;
  }
}

class TracedEcho extends UnimplementedEchoServiceServer {
  override async echo(request: EchoRequest, ctx: CallContext) {
    await Promise.resolve(); // the span survives an await
    work("Echo");
    await act(request.text, ctx.signal);
    return { text: request.text };
  }

  // An async generator: its body runs when the runtime pulls from it, not when it is called.
  override async *serverStream(request: EchoRequest, stream: ServerStream<typeof EchoResponseSchema>) {
    yield { text: request.text, index: 0 };
    work("ServerStream");
    yield { text: request.text, index: 1 };
    await act(request.text, stream.signal);
  }

  override async clientStream(requests: RequestStream<typeof EchoRequestSchema>, ctx: CallContext) {
    let last = "";
    for await (const r of requests) {
      last = r.text;
      work("ClientStream");
      await act(r.text, ctx.signal);
    }
    return { text: last };
  }

  override async *bidi(
    requests: RequestStream<typeof EchoRequestSchema>,
    stream: ServerStream<typeof EchoResponseSchema>,
  ) {
    for await (const r of requests) {
      work("Bidi");
      yield { text: r.text };
      await act(r.text, stream.signal);
    }
  }
}

let server: Awaited<ReturnType<typeof startServer>>;
let client: EchoServiceClient;

beforeAll(async () => {
  server = await startServer((s) => registerEchoServiceServer(s, new TracedEcho()), {
    options: { interceptors: [traceServerCalls({ messageEvents: true })] },
  });
  client = new EchoServiceClient(server.address, grpc.credentials.createInsecure(), {
    interceptors: [traceClientCalls({ target: server.address, messageEvents: true })],
  });
});

afterAll(async () => {
  client.$close();
  await server.stop();
  await otel.shutdown();
});

beforeEach(() => {
  otel.exporter.reset();
  started.clear();
});

type Kind = "Echo" | "ServerStream" | "ClientStream" | "Bidi";
type Outcome = "ok" | "fail" | "refuse" | "cancel" | "deadline";

/** Makes one call of `kind` whose request text is `text`; resolves with the code it ended with. */
async function call(kind: Kind, text: string, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<Code> {
  try {
    if (kind === "Echo") await client.echo({ text }, options);
    if (kind === "ServerStream") for await (const _ of client.serverStream({ text }, options));
    if (kind === "ClientStream") await client.clientStream([{ text: "first" }, { text }], options);
    if (kind === "Bidi") for await (const _ of client.bidi([{ text: "first" }, { text }], options));
    return Code.OK;
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    return err.code;
  }
}

/** Runs the call inside an app span, as a request handler of the caller would; returns that span. */
async function callInSpan(kind: Kind, outcome: Outcome): Promise<{ code: Code; parent: Span }> {
  const parent = app.startSpan("caller");
  const code = await context.with(trace.setSpan(context.active(), parent), async () => {
    if (outcome === "cancel") {
      const abort = new AbortController();
      const pending = call(kind, "hang", { signal: abort.signal });
      for (let i = 0; i < 500 && !started.has(kind); i++) await new Promise((r) => setTimeout(r, 10));
      abort.abort();
      return pending;
    }
    if (outcome === "deadline") return call(kind, "hang", { timeoutMs: 300 });
    return call(kind, outcome, {});
  });
  parent.end();
  return { code, parent };
}

const expected: Record<Outcome, { code: Code; clientError: boolean; serverError: boolean }> = {
  ok: { code: Code.OK, clientError: false, serverError: false },
  fail: { code: Code.INTERNAL, clientError: true, serverError: true },
  refuse: { code: Code.FAILED_PRECONDITION, clientError: true, serverError: false },
  cancel: { code: Code.CANCELLED, clientError: true, serverError: false },
  deadline: { code: Code.DEADLINE_EXCEEDED, clientError: true, serverError: true },
};

function one(spans: ReadableSpan[], kind: SpanKind): ReadableSpan {
  const found = spans.filter((s) => s.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe.each<Kind>(["Echo", "ServerStream", "ClientStream", "Bidi"])("%s", (kind) => {
  const name = `${SERVICE}/${kind}`;

  it.each<Outcome>(["ok", "fail", "refuse", "cancel", "deadline"])(
    "%s: a client and a server span",
    async (outcome) => {
      const want = expected[outcome];
      const { code, parent } = await callInSpan(kind, outcome);
      expect(code).toBe(want.code);

      const spans = await otel.waitForSpans(name, 2);
      const clientSpan = one(spans, SpanKind.CLIENT);
      const serverSpan = one(spans, SpanKind.SERVER);

      // One trace: caller -> client span -> server span (through traceparent in the metadata).
      expect(clientSpan.spanContext().traceId).toBe(parent.spanContext().traceId);
      expect(clientSpan.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(serverSpan.spanContext().traceId).toBe(parent.spanContext().traceId);
      expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
      expect(serverSpan.parentSpanContext?.isRemote).toBe(true);

      expect(clientSpan.attributes).toMatchObject({
        "rpc.system": "grpc",
        "rpc.service": SERVICE,
        "rpc.method": kind,
        "rpc.grpc.status_code": want.code,
        "server.address": "127.0.0.1",
        "server.port": server.port,
      });
      expect(serverSpan.attributes).toMatchObject({
        "rpc.system": "grpc",
        "rpc.service": SERVICE,
        "rpc.method": kind,
        "rpc.grpc.status_code": want.code,
        "server.port": server.port,
        "network.peer.address": "127.0.0.1",
      });
      expect(clientSpan.status.code).toBe(want.clientError ? SpanStatusCode.ERROR : SpanStatusCode.UNSET);
      expect(serverSpan.status.code).toBe(want.serverError ? SpanStatusCode.ERROR : SpanStatusCode.UNSET);
      if (outcome === "fail") {
        expect(clientSpan.status.message).toBe("broken on purpose");
        expect(serverSpan.status.message).toBe("broken on purpose");
      }

      // The handler's own span nests under the server span, whichever kind of handler it is.
      const worked = otel.spans(`work ${kind}`);
      expect(worked.length).toBeGreaterThan(0);
      for (const w of worked) {
        expect(w.parentSpanContext?.spanId).toBe(serverSpan.spanContext().spanId);
        expect(w.spanContext().traceId).toBe(parent.spanContext().traceId);
      }
    },
  );
});

describe("message events", () => {
  it("records each message sent and received on a bidi stream, on both sides", async () => {
    await callInSpan("Bidi", "ok");
    const spans = await otel.waitForSpans(`${SERVICE}/Bidi`, 2);
    const summary = (s: ReadableSpan) =>
      s.events
        .filter((e) => e.name === "rpc.message")
        .map((e) => `${e.attributes?.["rpc.message.type"]}#${e.attributes?.["rpc.message.id"]}`);
    // The client may send both requests before the first response: the order across types varies.
    expect(summary(one(spans, SpanKind.CLIENT)).sort()).toEqual(["RECEIVED#1", "RECEIVED#2", "SENT#1", "SENT#2"]);
    expect(summary(one(spans, SpanKind.SERVER)).sort()).toEqual(["RECEIVED#1", "RECEIVED#2", "SENT#1", "SENT#2"]);
  });

  it("records none on a unary call, as the conventions say", async () => {
    await callInSpan("Echo", "ok");
    for (const s of await otel.waitForSpans(`${SERVICE}/Echo`, 2)) expect(s.events).toEqual([]);
  });

  it("records none unless asked", async () => {
    const quiet = new EchoServiceClient(server.address, grpc.credentials.createInsecure(), {
      interceptors: [traceClientCalls()],
    });
    try {
      for await (const _ of quiet.serverStream({ text: "ok" }));
    } finally {
      quiet.$close();
    }
    const clientSpan = one(await otel.waitForSpans(`${SERVICE}/ServerStream`, 2), SpanKind.CLIENT);
    expect(clientSpan.events).toEqual([]);
    // Without a target, server.address comes from the peer the call connected to.
    expect(clientSpan.attributes).toMatchObject({ "server.address": "127.0.0.1", "server.port": server.port });
  });
});

describe("metrics", () => {
  it("records rpc.server.duration and rpc.client.duration in ms with the method and status", async () => {
    await callInSpan("Echo", "ok");
    await callInSpan("Echo", "refuse");
    await otel.waitForSpans(`${SERVICE}/Echo`, 4);
    for (const metric of ["rpc.server.duration", "rpc.client.duration"]) {
      const points = await otel.histogram(metric);
      const echo = (code: Code) =>
        points.find((p) => p.attributes["rpc.method"] === "Echo" && p.attributes["rpc.grpc.status_code"] === code);
      for (const code of [Code.OK, Code.FAILED_PRECONDITION]) {
        const point = echo(code);
        expect(point, `${metric} ${Code[code]}`).toBeDefined();
        expect(point!.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.service": SERVICE });
        expect(point!.value.count).toBeGreaterThan(0);
        expect(point!.value.sum).toBeGreaterThan(0);
        // The semconv buckets for milliseconds, not the SDK's defaults.
        expect(point!.value.buckets.boundaries).toEqual([
          0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
        ]);
      }
    }
    const client = await otel.histogram("rpc.client.duration");
    expect(client.find((p) => p.attributes["rpc.method"] === "Echo")?.attributes).toMatchObject({
      "server.address": "127.0.0.1",
      "server.port": server.port,
    });
  });
});

describe("metadata", () => {
  it("does not add traceparent to the caller's own Metadata object", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("x-mine", "1");
    await client.echo({ text: "ok" }, { metadata });
    expect(Object.keys(metadata.getMap())).toEqual(["x-mine"]);
  });
});
