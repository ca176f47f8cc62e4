// The Connect protocol on the gRPC port (listen()): one TestEcho answers both protocols, and
// each point of the protocol's semantics is checked with raw HTTP requests beside the
// generated gRPC client on the same port.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  BadRequestSchema,
  type CallRecord,
  Code,
  ErrorInfoSchema,
  type Listening,
  listen,
  observeServerCalls,
  type RpcError,
  shutdownGracefully,
} from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoRequestSchema, EchoResponseSchema } from "../golden/ts/fixtures/echo_pb.js";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { envelopes, frames, http2Stream, jsonStream, post, postJson } from "../helpers/connect-raw.js";
import { TestEcho } from "../runtime/echo-impl.js";

const ECHO = "/fixtures.echo.v1.EchoService/Echo";
const SERVER_STREAM = "/fixtures.echo.v1.EchoService/ServerStream";
const CLIENT_STREAM = "/fixtures.echo.v1.EchoService/ClientStream";
const BIDI = "/fixtures.echo.v1.EchoService/Bidi";

let server: grpc.Server;
let impl: TestEcho;
let listening: Listening;
let client: EchoServiceClient;
const records: CallRecord[] = [];

beforeAll(async () => {
  server = new grpc.Server({ interceptors: [observeServerCalls((r) => records.push(r))] });
  impl = new TestEcho();
  registerEchoServiceServer(server, impl);
  listening = await listen(server, "127.0.0.1:0", { connect: { port: 0, maxMessageBytes: 64 * 1024 } });
  client = new EchoServiceClient(`127.0.0.1:${listening.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.$close();
  await shutdownGracefully(server, { graceMs: 100, forceAfterMs: 100 });
});

describe("unary", () => {
  it("JSON and binary answer what the gRPC client gets on the same port", async () => {
    const grpcReply = await client.echo({ text: "same" });
    const json = await postJson(listening.port, ECHO, { text: "same" });
    expect(json.status).toBe(200);
    expect(json.headers["content-type"]).toBe("application/json");
    expect(json.json).toEqual({ text: grpcReply.text });

    const bin = await post(
      listening.port,
      ECHO,
      toBinary(EchoRequestSchema, { $typeName: EchoRequestSchema.typeName, text: "same", count: 0, failCode: 0 }),
      {
        "content-type": "application/proto",
      },
    );
    expect(bin.status).toBe(200);
    expect(bin.headers["content-type"]).toBe("application/proto");
    expect(fromBinary(EchoResponseSchema, bin.body).text).toBe(grpcReply.text);
  });

  it("request headers are metadata; headers and trailers the handler sets come back (trailers as trailer-)", async () => {
    const bytes = Buffer.from([0, 1, 2, 250]);
    const res = await postJson(
      listening.port,
      ECHO,
      { text: "md" },
      { "x-in": "hello", "x-in-bin": bytes.toString("base64") },
    );
    expect(res.status).toBe(200);
    expect(res.headers["x-head"]).toBe("hello");
    expect(Buffer.from(String(res.headers["x-head-bin"]), "base64")).toEqual(bytes);
    expect(res.headers["trailer-x-tail"]).toBe("hello");
    expect(Buffer.from(String(res.headers["trailer-x-tail-bin"]), "base64")).toEqual(bytes);
  });

  it("an RpcError is Connect's error JSON with the code's HTTP status and the same details the gRPC side sends", async () => {
    const grpcErr = await client.echo({ text: "fail" }).then(
      () => undefined,
      (e: unknown) => e as RpcError,
    );
    expect(grpcErr?.code).toBe(Code.FAILED_PRECONDITION);
    const res = await postJson(listening.port, ECHO, { text: "fail" });
    expect(res.status).toBe(400); // failed_precondition
    expect(res.json.code).toBe("failed_precondition");
    expect(res.json.message).toBe("failing on purpose");
    expect(res.headers["x-error"]).toBe("yes");
    const details = res.json.details as { type: string; value: string }[];
    expect(details.map((d) => d.type)).toEqual(["google.rpc.ErrorInfo", "google.rpc.BadRequest"]);
    // Unpadded base64 of the same bytes as the Any values the gRPC client decoded.
    expect(details[0]?.value).not.toMatch(/=$/);
    const info = fromBinary(ErrorInfoSchema, Buffer.from(details[0]?.value ?? "", "base64"));
    expect(info).toEqual(grpcErr?.findDetail(ErrorInfoSchema));
    const bad = fromBinary(BadRequestSchema, Buffer.from(details[1]?.value ?? "", "base64"));
    expect(bad.fieldViolations[0]?.field).toBe("text");
  });

  it("Connect-Timeout-Ms becomes the handler's deadline and signal, and the call answers deadline_exceeded", async () => {
    const before = impl.aborted.length;
    const res = await postJson(listening.port, ECHO, { text: "hang" }, { "connect-timeout-ms": "150" });
    expect(res.status).toBe(504);
    expect(res.json.code).toBe("deadline_exceeded");
    await until(() => impl.aborted.length > before);
    expect(impl.aborted.slice(before)).toEqual(["Echo: DEADLINE_EXCEEDED"]);
  });

  it("a client that goes away aborts the handler's signal with CANCELLED", async () => {
    const before = impl.aborted.length;
    const { request } = await import("node:http");
    const req = request({
      host: "127.0.0.1",
      port: listening.port,
      path: ECHO,
      method: "POST",
      headers: { "content-type": "application/json" },
      agent: false,
    });
    req.on("error", () => {});
    req.end(JSON.stringify({ text: "hang" }));
    await until(() => impl.started.filter((m) => m === "echo").length > 0 && impl.aborted.length === before);
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    await until(() => impl.aborted.length > before);
    expect(impl.aborted.slice(before)).toEqual(["Echo: CANCELLED"]);
  });

  it("JSON is protobuf-es's canonical mapping, well-known types included", async () => {
    // Nested.at is a google.protobuf.Timestamp: an RFC 3339 string in JSON.
    const ok = await postJson(listening.port, ECHO, { text: "wkt", nested: { at: "2026-12-01T10:00:00.5Z" } });
    expect(ok.status).toBe(200);
    const bad = await postJson(listening.port, ECHO, { text: "wkt", nested: { at: { seconds: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("invalid_argument");
    expect(String(bad.json.message)).toContain("fixtures.echo.v1.EchoRequest");
    // int32 as a string is canonical JSON too.
    expect((await postJson(listening.port, ECHO, { text: "n", count: "3" })).status).toBe(200);
  });
});

describe("GET", () => {
  it("an rpc marked NO_SIDE_EFFECTS answers GET with the message in the query, JSON or base64 binary", async () => {
    const json = await post(
      listening.port,
      `${ECHO}?encoding=json&message=${encodeURIComponent('{"text":"got"}')}&connect=v1`,
      "",
      {},
      "GET",
    );
    expect([json.status, json.headers["content-type"], JSON.parse(json.body.toString())]).toEqual([
      200,
      "application/json",
      { text: "got" },
    ]);
    const bytes = toBinary(EchoRequestSchema, {
      $typeName: EchoRequestSchema.typeName,
      text: "bin",
      count: 0,
      failCode: 0,
    });
    const bin = await post(
      listening.port,
      `${ECHO}?encoding=proto&base64=1&message=${Buffer.from(bytes).toString("base64url")}`,
      "",
      {},
      "GET",
    );
    expect(fromBinary(EchoResponseSchema, bin.body).text).toBe("bin");
    const noEncoding = await post(listening.port, `${ECHO}?message=x`, "", {}, "GET");
    expect(noEncoding.status).toBe(400);
  });

  it("GET is refused (405) for rpcs not marked NO_SIDE_EFFECTS and for streams", async () => {
    const old = await post(listening.port, "/fixtures.echo.v1.EchoService/Old?encoding=json&message={}", "", {}, "GET");
    expect([old.status, old.headers.allow]).toEqual([405, "POST"]);
    const stream = await post(listening.port, `${SERVER_STREAM}?encoding=json&message={}`, "", {}, "GET");
    expect(stream.status).toBe(405);
  });
});

describe("bad requests", () => {
  it("malformed JSON, wrong shapes and unknown fields are invalid_argument; a broken binary body too", async () => {
    const broken = await post(listening.port, ECHO, "{not json", { "content-type": "application/json" });
    expect([broken.status, JSON.parse(broken.body.toString()).code]).toEqual([400, "invalid_argument"]);
    const shape = await postJson(listening.port, ECHO, { text: 5 });
    expect([shape.status, shape.json.code]).toEqual([400, "invalid_argument"]);
    const unknown = await postJson(listening.port, ECHO, { text: "x", nope: 1 });
    expect([unknown.status, unknown.json.code]).toEqual([400, "invalid_argument"]);
    expect(String(unknown.json.message)).toContain("nope");
    const utf8 = await post(listening.port, ECHO, Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), {
      "content-type": "application/json",
    });
    expect(JSON.parse(utf8.body.toString()).code).toBe("invalid_argument");
    const bin = await post(listening.port, ECHO, Buffer.from([0x0a, 0x10, 0x41]), {
      "content-type": "application/proto",
    });
    expect([bin.status, JSON.parse(bin.body.toString()).code]).toEqual([400, "invalid_argument"]);
  });

  it("a body over the limit is resource_exhausted (429), declared or streamed", async () => {
    const big = JSON.stringify({ text: "x".repeat(70 * 1024) });
    const declared = await post(listening.port, ECHO, big, { "content-type": "application/json" });
    expect([declared.status, JSON.parse(declared.body.toString()).code]).toEqual([429, "resource_exhausted"]);
    const stream = await post(listening.port, SERVER_STREAM, envelopes(big), {
      "content-type": "application/connect+json",
    });
    expect(jsonStream(stream.body).end).toMatchObject({ error: { code: "resource_exhausted" } });
  });

  it("an unknown service or method is 404 unimplemented; a wrong content type 415; a wrong verb 405", async () => {
    const missing = await postJson(listening.port, "/fixtures.echo.v1.EchoService/Nope", {});
    expect([missing.status, missing.json.code]).toEqual([404, "unimplemented"]);
    const service = await postJson(listening.port, "/no.Such/Method", {});
    expect(service.status).toBe(404);
    const type = await post(listening.port, ECHO, "text=x", { "content-type": "application/x-www-form-urlencoded" });
    expect(type.status).toBe(415);
    expect(type.headers["accept-post"]).toBe("application/json, application/proto");
    const streamType = await post(listening.port, SERVER_STREAM, "{}", { "content-type": "application/json" });
    expect(streamType.status).toBe(415);
    const verb = await post(listening.port, ECHO, "", {}, "PUT");
    expect(verb.status).toBe(405);
  });

  it("an unimplemented method answers unimplemented (501) with grpc-go's text, as on gRPC", async () => {
    const res = await postJson(listening.port, "/fixtures.echo.v1.EchoService/Missing", {});
    expect([res.status, res.json.code, res.json.message]).toEqual([
      501,
      "unimplemented",
      "method Missing not implemented",
    ]);
  });

  it("a wrong protocol version or timeout header is invalid_argument", async () => {
    const version = await postJson(listening.port, ECHO, {}, { "connect-protocol-version": "2" });
    expect([version.status, version.json.code]).toEqual([400, "invalid_argument"]);
    const timeout = await postJson(listening.port, ECHO, {}, { "connect-timeout-ms": "soon" });
    expect([timeout.status, timeout.json.code]).toEqual([400, "invalid_argument"]);
  });
});

describe("streams", () => {
  it("server streaming: one envelope per message, then the end-of-stream message with trailers", async () => {
    const res = await post(listening.port, SERVER_STREAM, envelopes(JSON.stringify({ text: "s", count: 3 })), {
      "content-type": "application/connect+json",
      "x-in": "v",
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/connect+json");
    expect(res.headers["x-head"]).toBe("v");
    const { messages, end } = jsonStream(res.body);
    const grpcReplies = [];
    for await (const r of client.serverStream({ text: "s", count: 3 }))
      grpcReplies.push({ text: r.text, ...(r.index ? { index: r.index } : {}) });
    expect(messages).toEqual(grpcReplies);
    expect(end).toEqual({ metadata: { "x-tail": ["v"] } });
  });

  it("a stream's error is in the end-of-stream message, details included, with HTTP 200", async () => {
    const res = await post(listening.port, SERVER_STREAM, envelopes(JSON.stringify({ text: "fail", count: 1 })), {
      "content-type": "application/connect+json",
    });
    expect(res.status).toBe(200);
    const { messages, end } = jsonStream(res.body);
    expect(messages).toEqual([{ text: "fail" }]);
    const error = end.error as { code: string; message: string; details: { type: string }[] };
    expect([error.code, error.message]).toEqual(["failed_precondition", "failing on purpose"]);
    expect(error.details.map((d) => d.type)).toEqual(["google.rpc.ErrorInfo", "google.rpc.BadRequest"]);
    expect(end.metadata).toEqual({ "x-error": ["yes"] });
  });

  it("binary server streaming (application/connect+proto)", async () => {
    const request = toBinary(EchoRequestSchema, {
      $typeName: EchoRequestSchema.typeName,
      text: "b",
      count: 2,
      failCode: 0,
    });
    const res = await post(listening.port, SERVER_STREAM, envelopes(request), {
      "content-type": "application/connect+proto",
    });
    const all = frames(res.body).frames;
    expect(all.map((f) => f.flags)).toEqual([0, 0, 2]);
    expect(all.slice(0, 2).map((f) => fromBinary(EchoResponseSchema, f.data).index)).toEqual([0, 1]);
  });

  it("client streaming over HTTP/1.1 on the gRPC port", async () => {
    const res = await post(
      listening.port,
      CLIENT_STREAM,
      envelopes(JSON.stringify({ text: "a" }), JSON.stringify({ text: "b" }), JSON.stringify({ text: "c" })),
      { "content-type": "application/connect+json" },
    );
    const { messages, end } = jsonStream(res.body);
    expect(messages).toEqual([{ text: "a,b,c", index: 3 }]);
    expect(end).toEqual({});
  });

  it("client streaming and bidi over HTTP/2, on the gRPC port and on the Connect-only port", async () => {
    for (const port of [listening.port, listening.connectPort as number]) {
      const upload = await http2Stream(
        port,
        CLIENT_STREAM,
        envelopes(JSON.stringify({ text: "x" }), JSON.stringify({ text: "y" })),
      );
      expect(jsonStream(upload.body).messages).toEqual([{ text: "x,y", index: 2 }]);
      const bidi = await http2Stream(
        port,
        BIDI,
        envelopes(JSON.stringify({ text: "p" }), JSON.stringify({ text: "q" })),
      );
      expect(bidi.status).toBe(200);
      expect(jsonStream(bidi.body).messages).toEqual([{ text: "p" }, { text: "q", index: 1 }]);
    }
  });

  it("one HTTP/2 connection carries gRPC and Connect streams side by side", async () => {
    const { connect } = await import("node:http2");
    const session = connect(`http://127.0.0.1:${listening.port}`);
    try {
      const call = (headers: Record<string, string>, body: Buffer) =>
        new Promise<{ status: number; body: Buffer; trailers: Record<string, unknown> }>((resolve, reject) => {
          const stream = session.request({ ":method": "POST", ":path": ECHO, ...headers });
          let status = 0;
          let trailers: Record<string, unknown> = {};
          const chunks: Buffer[] = [];
          stream.on("response", (h) => (status = Number(h[":status"])));
          stream.on("trailers", (t) => (trailers = t));
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => resolve({ status, body: Buffer.concat(chunks), trailers }));
          stream.on("error", reject);
          stream.end(body);
        });
      const request = toBinary(EchoRequestSchema, {
        $typeName: EchoRequestSchema.typeName,
        text: "mixed",
        count: 0,
        failCode: 0,
      });
      const [grpcAnswer, connectAnswer] = await Promise.all([
        call({ "content-type": "application/grpc", te: "trailers" }, envelopes(request)),
        call({ "content-type": "application/json" }, Buffer.from(JSON.stringify({ text: "mixed" }))),
      ]);
      expect(grpcAnswer.trailers["grpc-status"]).toBe("0");
      expect(fromBinary(EchoResponseSchema, frames(grpcAnswer.body).frames[0]?.data ?? new Uint8Array()).text).toBe(
        "mixed",
      );
      expect(connectAnswer.status).toBe(200);
      expect(JSON.parse(connectAnswer.body.toString())).toEqual({ text: "mixed" });
    } finally {
      session.close();
    }
  });

  it("a truncated envelope is invalid_argument, and the server goes on answering", async () => {
    const whole = envelopes(JSON.stringify({ text: "t" }));
    const res = await post(listening.port, CLIENT_STREAM, whole.subarray(0, whole.length - 2), {
      "content-type": "application/connect+json",
    });
    expect(jsonStream(res.body).end).toMatchObject({ error: { code: "invalid_argument" } });
    expect((await postJson(listening.port, ECHO, { text: "still" })).json).toEqual({ text: "still" });
  });
});

describe("one configuration for both protocols", () => {
  it("observeServerCalls records Connect calls as it records gRPC ones", async () => {
    records.length = 0;
    await postJson(listening.port, ECHO, { text: "rec" });
    await client.echo({ text: "rec" });
    await postJson(listening.port, ECHO, { text: "fail" });
    await until(() => records.length >= 3);
    expect(records.map((r) => [r.method, r.codeName])).toEqual([
      [ECHO, "OK"],
      [ECHO, "OK"],
      [ECHO, "FAILED_PRECONDITION"],
    ]);
    expect(records[0]?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("a grpc-js interceptor without a Connect counterpart makes listen() throw, not skip it", async () => {
    const plain = new grpc.Server({ interceptors: [(_d, call) => new grpc.ServerInterceptingCall(call)] });
    await expect(listen(plain, "127.0.0.1:0")).rejects.toThrow(/works only for gRPC, so Connect calls would skip it/);
  });

  it("control: grpc-js keeps a server's interceptors where upstream/server-interceptors.ts reads them", () => {
    const interceptor = observeServerCalls(() => {});
    const s = new grpc.Server({ interceptors: [interceptor] });
    expect((s as unknown as { interceptors: unknown }).interceptors).toEqual([interceptor]);
  });

  it("control: a connection injector's HTTP/2 server is grpc-js's last, with one 'stream' listener (upstream/grpc-stream-router.ts)", () => {
    const s = new grpc.Server();
    s.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const servers = (s as unknown as { http2Servers: Map<{ listeners(e: string): unknown[] }, unknown> }).http2Servers;
    expect(servers.size).toBe(1);
    expect([...servers.keys()][0]?.listeners("stream")).toHaveLength(1);
  });
});

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
