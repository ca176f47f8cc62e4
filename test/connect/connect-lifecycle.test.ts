// listen() beyond single calls: bearer auth and tracing configured once for both protocols,
// CORS, TLS routed by ALPN on one port, and graceful shutdown draining Connect calls too.
import * as https from "node:https";
import type { MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { SpanKind } from "@opentelemetry/api";
import {
  bearerAuth,
  type CallContext,
  channelTlsCredentials,
  listen,
  observeServerCalls,
  type RpcError,
  shutdownGracefully,
} from "@rpcgen/runtime";
import { traceServerCalls } from "@rpcgen/runtime/otel";
import { afterAll, describe, expect, it } from "vitest";
import type { EchoRequest, EchoResponseSchema } from "../golden/ts/fixtures/echo_pb.js";
import {
  EchoServiceClient,
  registerEchoServiceServer,
  UnimplementedEchoServiceServer,
} from "../golden/ts/fixtures/echo_rpc.js";
import { makeTestCerts } from "../helpers/certs.js";
import { envelopes, jsonStream, post, postJson } from "../helpers/connect-raw.js";
import { installOtel } from "../helpers/otel.js";

const ECHO = "/fixtures.echo.v1.EchoService/Echo";
const otel = installOtel();
afterAll(() => otel.shutdown());

class SlowEcho extends UnimplementedEchoServiceServer {
  override async echo(request: EchoRequest, ctx: CallContext): Promise<MessageInitShape<typeof EchoResponseSchema>> {
    const ms = request.count;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    ctx.sendHeader({ "x-served": "yes" });
    ctx.trailer.set("x-trailer", "t");
    return { text: `${request.text} via ${ctx.protocol}` };
  }
}

async function serve(interceptors: grpc.ServerInterceptor[] = [], cors?: { origins: string[] }) {
  const server = new grpc.Server({ interceptors });
  registerEchoServiceServer(server, new SlowEcho());
  const listening = await listen(server, "127.0.0.1:0", cors ? { connect: { cors } } : {});
  const client = new EchoServiceClient(`127.0.0.1:${listening.port}`, grpc.credentials.createInsecure());
  return { server, listening, client };
}

describe("one interceptor list for both protocols", () => {
  it("bearerAuth refuses Connect calls without the token (401 unauthenticated) and lets the right one through", async () => {
    const { server, listening, client } = await serve([bearerAuth(({ token }) => token === "s3cret")]);
    try {
      const none = await postJson(listening.port, ECHO, { text: "a" });
      expect([none.status, none.json.code, none.json.message]).toEqual([
        401,
        "unauthenticated",
        "missing bearer token",
      ]);
      const wrong = await postJson(listening.port, ECHO, { text: "a" }, { authorization: "Bearer nope" });
      expect([wrong.status, wrong.json.message]).toEqual([401, "invalid bearer token"]);
      const right = await postJson(listening.port, ECHO, { text: "a" }, { authorization: "Bearer s3cret" });
      expect([right.status, right.json.text]).toEqual([200, "a via connect"]);
      // And gRPC on the same port, the same check.
      await expect(client.echo({ text: "a" })).rejects.toMatchObject({ codeName: "UNAUTHENTICATED" });
    } finally {
      client.$close();
      server.forceShutdown();
      listening.close();
    }
  });

  it("in the order of the list: an observer before bearerAuth sees the calls it refuses, on both protocols", async () => {
    const seen: string[] = [];
    const { server, listening, client } = await serve([
      observeServerCalls((r) => seen.push(r.codeName)),
      bearerAuth(({ token }) => token === "s3cret"),
    ]);
    try {
      await postJson(listening.port, ECHO, { text: "a" });
      await expect(client.echo({ text: "a" })).rejects.toMatchObject({ codeName: "UNAUTHENTICATED" });
      await postJson(listening.port, ECHO, { text: "a" }, { authorization: "Bearer s3cret" });
      for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED", "OK"]);
    } finally {
      client.$close();
      server.forceShutdown();
      listening.close();
    }
  });

  it("traceServerCalls gives Connect calls a SERVER span (rpc.system=connect_rpc), child of the caller's traceparent", async () => {
    const { server, listening, client } = await serve([traceServerCalls()]);
    try {
      const traceId = "0af7651916cd43dd8448eb211c80319c";
      const res = await postJson(
        listening.port,
        ECHO,
        { text: "t" },
        { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      );
      expect(res.status).toBe(200);
      const missing = await postJson(listening.port, "/fixtures.echo.v1.EchoService/Missing", {});
      expect(missing.status).toBe(501);
      const spans = await otel.waitForSpans("fixtures.echo.v1.EchoService/Echo", 1);
      const span = spans.find((s) => s.attributes["rpc.system"] === "connect_rpc");
      expect(span?.kind).toBe(SpanKind.SERVER);
      expect(span?.spanContext().traceId).toBe(traceId);
      expect(span?.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
      expect(span?.attributes["server.port"]).toBe(listening.port);
      expect(span?.attributes["network.peer.address"]).toBe("127.0.0.1");
      const [failed] = await otel.waitForSpans("fixtures.echo.v1.EchoService/Missing", 1);
      expect(failed?.attributes["rpc.connect_rpc.error_code"]).toBe("unimplemented");
      const points = await otel.histogram("rpc.server.duration");
      expect(points.some((p) => p.attributes["rpc.system"] === "connect_rpc")).toBe(true);
    } finally {
      client.$close();
      server.forceShutdown();
      listening.close();
    }
  });
});

describe("tracing Connect streams", () => {
  it("messageEvents: an rpc.message event per message sent and received, as on gRPC", async () => {
    const server = new grpc.Server({ interceptors: [traceServerCalls({ messageEvents: true })] });
    registerEchoServiceServer(
      server,
      new (class extends UnimplementedEchoServiceServer {
        override async *bidi(requests: AsyncIterable<EchoRequest>) {
          for await (const r of requests) yield { text: r.text };
        }
      })(),
    );
    const listening = await listen(server, "127.0.0.1:0");
    try {
      const res = await post(
        listening.port,
        "/fixtures.echo.v1.EchoService/Bidi",
        envelopes('{"text":"a"}', '{"text":"b"}'),
        {
          "content-type": "application/connect+json",
        },
      );
      expect(jsonStream(res.body).messages).toEqual([{ text: "a" }, { text: "b" }]);
      const [span] = await otel.waitForSpans("fixtures.echo.v1.EchoService/Bidi", 1);
      const events = span?.events.map(
        (e) => `${e.attributes?.["rpc.message.type"]}#${e.attributes?.["rpc.message.id"]}`,
      );
      expect(events).toEqual(["RECEIVED#1", "SENT#1", "RECEIVED#2", "SENT#2"]);
    } finally {
      server.forceShutdown();
      listening.close();
    }
  });
});

describe("CORS", () => {
  it("answers an allowed origin's preflight, exposes headers, and gives other origins nothing", async () => {
    const origin = "http://127.0.0.1:1";
    const { server, listening } = await serve([], { origins: [origin] });
    try {
      const preflight = await post(
        listening.port,
        ECHO,
        "",
        {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-custom",
        },
        "OPTIONS",
      );
      expect(preflight.status).toBe(204);
      expect(preflight.headers["access-control-allow-origin"]).toBe(origin);
      expect(preflight.headers["access-control-allow-headers"]).toBe("content-type,x-custom");
      expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
      const call = await postJson(listening.port, ECHO, { text: "c" }, { origin });
      expect(call.headers["access-control-allow-origin"]).toBe(origin);
      expect(String(call.headers["access-control-expose-headers"])).toContain("grpc-status-details-bin");
      // The handler's headers and trailers are exposed without naming them in the options.
      const exposes = String(call.headers["access-control-expose-headers"]).split(", ");
      expect(exposes).toEqual(expect.arrayContaining(["x-served", "trailer-x-trailer"]));
      const other = await post(
        listening.port,
        ECHO,
        "",
        { origin: "http://evil.test", "access-control-request-method": "POST" },
        "OPTIONS",
      );
      expect(other.status).toBe(403);
      expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    } finally {
      server.forceShutdown();
      listening.close();
    }
  });
});

describe("TLS", () => {
  it("one TLS port: ALPN h2 goes to grpc-js, HTTP/1.1 to Connect", async () => {
    const certs = await makeTestCerts();
    const server = new grpc.Server();
    registerEchoServiceServer(server, new SlowEcho());
    const listening = await listen(server, "127.0.0.1:0", {
      tls: { certChain: certs.server.cert, privateKey: certs.server.key },
    });
    const client = new EchoServiceClient(`127.0.0.1:${listening.port}`, channelTlsCredentials({ ca: certs.ca }));
    try {
      expect((await client.echo({ text: "g" })).text).toBe("g via grpc");
      const body = await new Promise<string>((resolve, reject) => {
        const req = https.request(
          {
            host: "127.0.0.1",
            port: listening.port,
            path: ECHO,
            method: "POST",
            ca: certs.ca,
            headers: { "content-type": "application/json" },
            agent: false,
          },
          (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve(text));
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ text: "c" }));
      });
      expect(JSON.parse(body)).toEqual({ text: "c via connect" });
    } finally {
      client.$close();
      server.forceShutdown();
      listening.close();
    }
  });
});

/** A server whose ServerStream sends one message, then waits for the call to end. */
async function serveHangingStream() {
  const server = new grpc.Server();
  registerEchoServiceServer(
    server,
    new (class extends UnimplementedEchoServiceServer {
      override async *serverStream(_r: EchoRequest, stream: { signal: AbortSignal }) {
        yield { text: "first" };
        await new Promise((resolve) => stream.signal.addEventListener("abort", resolve, { once: true }));
      }
    })(),
  );
  return { server, listening: await listen(server, "127.0.0.1:0") };
}

describe("graceful shutdown", () => {
  it("drains both protocols: calls in progress finish, then the port is closed", async () => {
    const { server, listening, client } = await serve();
    const connectCall = postJson(listening.port, ECHO, { text: "slow-connect", count: 300 });
    const grpcCall = client.echo({ text: "slow-grpc", count: 300 });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = shutdownGracefully(server, { graceMs: 2000 });
    const [c, g] = await Promise.all([connectCall, grpcCall]);
    expect(c.json).toEqual({ text: "slow-connect via connect" });
    expect(g.text).toBe("slow-grpc via grpc");
    await stopped;
    await expect(postJson(listening.port, ECHO, { text: "late" })).rejects.toThrow(/ECONNREFUSED/);
    client.$close();
  });

  it("a gRPC stream on the shared port keeps shutdown waiting until the grace period ends it (UNAVAILABLE)", async () => {
    const { server, listening } = await serveHangingStream();
    const client = new EchoServiceClient(`127.0.0.1:${listening.port}`, grpc.credentials.createInsecure());
    const events: string[] = [];
    const read = (async () => {
      try {
        for await (const r of client.serverStream({})) events.push(`message ${r.text}`);
        events.push("stream ended OK");
      } catch (err) {
        events.push(`stream failed ${(err as RpcError).codeName}: ${(err as RpcError).message}`);
      }
    })();
    while (events.length === 0) await new Promise((r) => setTimeout(r, 10));
    await shutdownGracefully(server, { graceMs: 200, forceAfterMs: 2000 });
    events.push("shutdown resolved");
    await read;
    client.$close();
    expect(events).toEqual([
      "message first",
      "stream failed UNAVAILABLE: server is shutting down",
      "shutdown resolved",
    ]);
  });

  it("a Connect stream still open after the grace period ends with unavailable", async () => {
    const { server, listening } = await serveHangingStream();
    const call = post(listening.port, "/fixtures.echo.v1.EchoService/ServerStream", envelopes("{}"), {
      "content-type": "application/connect+json",
    });
    await new Promise((r) => setTimeout(r, 100));
    await shutdownGracefully(server, { graceMs: 100, forceAfterMs: 1000 });
    const { messages, end } = jsonStream((await call).body);
    expect(messages).toEqual([{ text: "first" }]);
    expect(end).toMatchObject({ error: { code: "unavailable", message: "server is shutting down" } });
  });
});
