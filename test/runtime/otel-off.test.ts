// @rpcgen/runtime/otel with no SDK registered: the interceptors step aside (no traceparent sent, nothing
// recorded) and calls work as without them; once an SDK registers, the same interceptors,
// built before it, trace the next call.
import * as grpc from "@grpc/grpc-js";
import { SpanKind } from "@opentelemetry/api";
import type { CallContext } from "@rpcgen/runtime";
import { traceClientCalls, traceServerCalls } from "@rpcgen/runtime/otel";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { EchoRequest } from "../golden/ts/fixtures/echo_pb.js";
import {
  EchoServiceClient,
  registerEchoServiceServer,
  UnimplementedEchoServiceServer,
} from "../golden/ts/fixtures/echo_rpc.js";
import { installOtel, type TestOtel } from "../helpers/otel.js";
import { startServer } from "../helpers/server.js";

class TraceparentEcho extends UnimplementedEchoServiceServer {
  /** Answers with the traceparent the request carried, or "none". */
  override echo(_request: EchoRequest, ctx: CallContext) {
    return { text: String(ctx.metadata.get("traceparent")[0] ?? "none") };
  }
}

let server: Awaited<ReturnType<typeof startServer>>;
let client: EchoServiceClient;
let otel: TestOtel | undefined;

beforeAll(async () => {
  server = await startServer((s) => registerEchoServiceServer(s, new TraceparentEcho()), {
    options: { interceptors: [traceServerCalls()] },
  });
  client = new EchoServiceClient(server.address, grpc.credentials.createInsecure(), {
    interceptors: [traceClientCalls({ target: server.address })],
  });
});

afterAll(async () => {
  client.$close();
  await server.stop();
  await otel?.shutdown();
});

it("with no SDK, sends no trace context and calls work", async () => {
  expect((await client.echo({})).text).toBe("none");
});

it("picks up an SDK registered after the interceptors were built", async () => {
  otel = installOtel();
  const traceparent = (await client.echo({})).text;
  const spans = await otel.waitForSpans("fixtures.echo.v1.EchoService/Echo", 2);
  const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT)!;
  expect(traceparent).toBe(`00-${clientSpan.spanContext().traceId}-${clientSpan.spanContext().spanId}-01`);
  expect(spans.find((s) => s.kind === SpanKind.SERVER)?.parentSpanContext?.spanId).toBe(
    clientSpan.spanContext().spanId,
  );
  expect((await otel.histogram("rpc.server.duration")).length).toBe(1);
});
