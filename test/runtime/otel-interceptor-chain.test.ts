// @rpcgen/runtime/otel's interceptors among others, over real gRPC with the real SDK: what the
// interceptors next to them see (the trace context in the metadata, the server span active in
// their callbacks, the status), a call another server interceptor rejects, and the traced calls
// passing on every method grpc-js's own call wrappers have.
import * as grpc from "@grpc/grpc-js";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { bearerAuth, type CallContext, Code, RpcError } from "@rpcgen/runtime";
import { traceClientCalls, traceServerCalls } from "@rpcgen/runtime/otel";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { TracedClientCall } from "../../packages/runtime/src/otel/client-call.js";
import { forwardMissingMethods } from "../../packages/runtime/src/otel/forward-methods.js";
import { TracedServerCall } from "../../packages/runtime/src/otel/server-call.js";
import type { EchoRequest } from "../golden/ts/fixtures/echo_pb.js";
import {
  EchoServiceClient,
  registerEchoServiceServer,
  UnimplementedEchoServiceServer,
} from "../golden/ts/fixtures/echo_rpc.js";
import { installOtel } from "../helpers/otel.js";
import { startServer } from "../helpers/server.js";

const otel = installOtel();
const ECHO = "fixtures.echo.v1.EchoService/Echo";
const activeSpanId = () => trace.getSpan(context.active())?.spanContext().spanId ?? "none";

class Echo extends UnimplementedEchoServiceServer {
  override async echo(request: EchoRequest, _ctx: CallContext) {
    if (request.text === "fail") throw new RpcError(Code.INTERNAL, "broken on purpose");
    return { text: request.text };
  }
}

const servers: { stop(): Promise<void> }[] = [];
const clients: EchoServiceClient[] = [];
afterAll(async () => {
  for (const c of clients) c.$close();
  for (const s of servers) await s.stop();
  await otel.shutdown();
});
beforeEach(() => otel.exporter.reset());

async function serve(interceptors: grpc.ServerInterceptor[]) {
  const server = await startServer((s) => registerEchoServiceServer(s, new Echo()), { options: { interceptors } });
  servers.push(server);
  return server;
}

function dial(address: string, interceptors: grpc.Interceptor[]) {
  const client = new EchoServiceClient(address, grpc.credentials.createInsecure(), { interceptors });
  clients.push(client);
  return client;
}

describe("between other interceptors", () => {
  it("client: the one after it sees traceparent, the one before it the status; the server span is active in its neighbour's callbacks", async () => {
    // grpc-js server interceptors: the first wraps the call itself, so each later one sees
    // what the earlier ones passed on. This one sits after traceServerCalls.
    const seen: string[] = [];
    const watcher: grpc.ServerInterceptor = (_descriptor, call) =>
      new grpc.ServerInterceptingCall(call, {
        start(next) {
          next({
            onReceiveMetadata(metadata, nextMetadata) {
              seen.push(`metadata ${activeSpanId()}`);
              nextMetadata(metadata);
            },
            onReceiveMessage(message, nextMessage) {
              seen.push(`message ${activeSpanId()}`);
              nextMessage(message);
            },
            onReceiveHalfClose(nextHalfClose) {
              seen.push(`half-close ${activeSpanId()}`);
              nextHalfClose();
            },
          });
        },
      });
    const server = await serve([traceServerCalls(), watcher]);

    // Client interceptors: the first is outermost (it sees the caller's metadata first and the
    // status last).
    const outgoing: string[] = [];
    const statuses: string[] = [];
    const before: grpc.Interceptor = (options, nextCall) =>
      new grpc.InterceptingCall(nextCall(options), {
        start(metadata, _listener, next) {
          next(metadata, {
            onReceiveStatus(status, nextStatus) {
              statuses.push(`${status.code} ${status.details}`);
              nextStatus(status);
            },
          });
        },
      });
    const after: grpc.Interceptor = (options, nextCall) =>
      new grpc.InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          outgoing.push(String(metadata.get("traceparent")[0] ?? "none"));
          next(metadata, listener);
        },
      });
    const client = dial(server.address, [before, traceClientCalls({ target: server.address }), after]);

    expect(await client.echo({ text: "hi" })).toMatchObject({ text: "hi" });
    await expect(client.echo({ text: "fail" })).rejects.toMatchObject({ code: Code.INTERNAL });
    const spans = await otel.waitForSpans(ECHO, 4);
    const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
    const serverSpans = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(clientSpans).toHaveLength(2);
    expect(serverSpans).toHaveLength(2);

    // The traceparent the next interceptor got names the client span.
    expect(outgoing).toEqual(clientSpans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
    expect(statuses).toEqual(["0 OK", "13 broken on purpose"]);
    // Ended in order: the OK call's span first.
    const [okServer, failServer] = serverSpans;
    expect(okServer?.attributes["rpc.grpc.status_code"]).toBe(Code.OK);
    expect(failServer?.attributes["rpc.grpc.status_code"]).toBe(Code.INTERNAL);
    expect(failServer?.status.code).toBe(SpanStatusCode.ERROR);
    const ids = [okServer, failServer].map((s) => s?.spanContext().spanId);
    expect(seen).toEqual(ids.flatMap((id) => [`metadata ${id}`, `message ${id}`, `half-close ${id}`]));
  });

  it("server: first in the list, it traces the calls bearerAuth after it rejects", async () => {
    const server = await serve([traceServerCalls(), bearerAuth(({ token }) => token === "secret")]);
    const client = dial(server.address, []);
    await expect(client.echo({ text: "hi" })).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
    const metadata = new grpc.Metadata();
    metadata.set("authorization", "Bearer secret");
    expect(await client.echo({ text: "hi" }, { metadata })).toMatchObject({ text: "hi" });

    const spans = await otel.waitForSpans(ECHO, 2);
    expect(spans.map((s) => [s.kind, s.attributes["rpc.grpc.status_code"]])).toEqual([
      [SpanKind.SERVER, Code.UNAUTHENTICATED],
      [SpanKind.SERVER, Code.OK],
    ]);
    // A caller's error, not the server's.
    expect(spans[0]?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("server: after bearerAuth in the list, it sees only the calls bearerAuth lets through", async () => {
    const server = await serve([bearerAuth(({ token }) => token === "secret"), traceServerCalls()]);
    const client = dial(server.address, []);
    await expect(client.echo({ text: "hi" })).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
    const metadata = new grpc.Metadata();
    metadata.set("authorization", "Bearer secret");
    await client.echo({ text: "hi" }, { metadata });
    const spans = await otel.waitForSpans(ECHO, 1);
    expect(spans.map((s) => s.attributes["rpc.grpc.status_code"])).toEqual([Code.OK]);
  });
});

describe("the traced calls' methods", () => {
  it("have every method of grpc-js's own call wrappers", () => {
    for (const [ours, theirs] of [
      [TracedClientCall.prototype, grpc.InterceptingCall.prototype],
      [TracedServerCall.prototype, grpc.ServerInterceptingCall.prototype],
    ] as const) {
      const methods = Object.getOwnPropertyNames(theirs).filter((n) => n !== "constructor");
      expect(methods.length).toBeGreaterThan(5);
      for (const name of methods)
        expect(typeof (ours as unknown as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("forward a method the wrapped call has and they do not, keeping what they define", () => {
    class Inner {
      readonly calls: unknown[][] = [];
      later(...args: unknown[]) {
        this.calls.push(args);
        return "from inner";
      }
      own() {
        return "inner's own";
      }
    }
    class Wrapper {
      readonly inner = new Inner();
      own() {
        return "wrapper's own";
      }
    }
    forwardMissingMethods(Wrapper.prototype, Inner.prototype, (w) => w.inner as unknown as Record<string, unknown>);
    const wrapper = new Wrapper() as Wrapper & { later(...args: unknown[]): unknown };
    expect(wrapper.later(1, "two")).toBe("from inner");
    expect(wrapper.inner.calls).toEqual([[1, "two"]]);
    expect(wrapper.own()).toBe("wrapper's own");
  });
});
