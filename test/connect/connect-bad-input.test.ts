// Bad input to the Connect side of the shared port, sent raw: each request gets an HTTP status
// and a Connect error code, never a crash, a reset or silence, and the server keeps answering
// both protocols afterwards. Then a bounded, seeded loop of random bodies does the same.

import type { ClientHttp2Session } from "node:http2";
import * as http2 from "node:http2";
import { Socket } from "node:net";
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { listen, shutdownGracefully } from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { envelope, type Outcome, outcome, type RawRequest, rawH2Post, rawPost } from "../helpers/connect-raw.js";
import { seededRandom } from "../helpers/random-message.js";
import { TestEcho } from "../runtime/echo-impl.js";

const MAX = 1024;
const ECHO = "/fixtures.echo.v1.EchoService/Echo";
const STREAM = "/fixtures.echo.v1.EchoService/ServerStream";
const VERSION = { "connect-protocol-version": "1" };
const utf8 = (s: string) => Buffer.from(s, "utf8");

interface UnderTest {
  /** The shared gRPC + Connect port. */
  port: number;
  /** The same service with allowUnknownJsonFields. */
  lenientPort: number;
  close(): Promise<void>;
}

let server: UnderTest;
let grpcClient: EchoServiceClient;

/** The EchoService through listen(), with a small limit; a second server allows unknown JSON fields. */
async function startUnderTest(): Promise<UnderTest & { grpcAddress: string }> {
  const strict = new grpc.Server();
  registerEchoServiceServer(strict, new TestEcho());
  const lenient = new grpc.Server();
  registerEchoServiceServer(lenient, new TestEcho());
  const strictPort = await listen(strict, "127.0.0.1:0", { connect: { maxMessageBytes: MAX } });
  const lenientPort = await listen(lenient, "127.0.0.1:0", {
    connect: { maxMessageBytes: MAX, allowUnknownJsonFields: true },
  });
  return {
    grpcAddress: `127.0.0.1:${strictPort.port}`,
    port: strictPort.port,
    lenientPort: lenientPort.port,
    async close() {
      await shutdownGracefully(strict, { graceMs: 1000, forceAfterMs: 1000 });
      await shutdownGracefully(lenient, { graceMs: 1000, forceAfterMs: 1000 });
    },
  };
}

beforeAll(async () => {
  const started = await startUnderTest();
  server = started;
  grpcClient = new EchoServiceClient(started.grpcAddress, grpc.credentials.createInsecure());
});

afterAll(async () => {
  grpcClient?.$close();
  await server?.close();
});

const send = async (req: RawRequest, port = server.port): Promise<Outcome> =>
  outcome(await rawPost(port, { ...req, headers: { ...VERSION, ...req.headers } }));

const unaryJson = (body: Uint8Array): RawRequest => ({ path: ECHO, contentType: "application/json", body });
const streamJson = (body: Uint8Array): RawRequest => ({ path: STREAM, contentType: "application/connect+json", body });

/** The server still answers a good Connect call and a gRPC call. */
async function stillServes(): Promise<void> {
  expect(await send(unaryJson(utf8('{"text":"still here"}')))).toEqual({ status: 200, code: "ok", messages: 1 });
  expect((await grpcClient.echo({ text: "grpc too" })).text).toBe("grpc too");
}

describe("unary bodies", () => {
  it.each([
    ["malformed JSON", utf8('{"text":')],
    ["invalid UTF-8 in a JSON string", Buffer.concat([utf8('{"text":"'), Buffer.from([0xff, 0xfe, 0xc3]), utf8('"}')])],
    ["a number where a string belongs", utf8('{"text":5}')],
    ["an array instead of an object", utf8("[1,2]")],
    ["a string instead of an object", utf8('"text"')],
    ["an int32 that is not a number", utf8('{"count":"many"}')],
    ["an int32 out of range", utf8('{"count":4294967296}')],
    ["an unknown field", utf8('{"text":"x","bogus":1}')],
  ])("%s: 400 invalid_argument", async (_, body) => {
    expect(await send(unaryJson(body))).toMatchObject({ status: 400, code: "invalid_argument" });
  });

  it("accepts unknown JSON fields when allowUnknownJsonFields is set", async () => {
    expect(await send(unaryJson(utf8('{"text":"x","bogus":1}')), server.lenientPort)).toMatchObject({
      status: 200,
      code: "ok",
    });
  });

  it("malformed binary: 400 invalid_argument", async () => {
    // Field 1 (text), wire type 2, a length running past the end.
    const body = Buffer.from([0x0a, 0x7f, 0x61]);
    expect(await send({ path: ECHO, contentType: "application/proto", body })).toMatchObject({
      status: 400,
      code: "invalid_argument",
    });
  });

  it.each([
    ["JSON", "application/json", utf8(JSON.stringify({ text: "x".repeat(MAX * 2) }))],
    ["binary", "application/proto", Buffer.concat([Buffer.from([0x0a, 0xd0, 0x0f]), Buffer.alloc(2000, 0x61)])],
  ])("a %s body over maxMessageBytes: 429 resource_exhausted", async (_, contentType, body) => {
    expect(await send({ path: ECHO, contentType, body })).toMatchObject({ status: 429, code: "resource_exhausted" });
  });

  it("a gzip body that inflates past maxMessageBytes: 429 resource_exhausted", async () => {
    const body = gzipSync(utf8(JSON.stringify({ text: "x".repeat(MAX * 8) })));
    expect(body.length).toBeLessThan(MAX);
    expect(await send({ ...unaryJson(body), headers: { "content-encoding": "gzip" } })).toMatchObject({
      status: 429,
      code: "resource_exhausted",
    });
  });

  it("a gzip body whose compressed bytes run past any message the limit allows is refused before its end", async () => {
    // No message of at most MAX bytes compresses to 64 × MAX: the server need not buffer them all.
    const res = await send({
      ...unaryJson(Buffer.alloc(MAX * 64, 0x1f)),
      headers: { "content-encoding": "gzip" },
      keepOpen: true,
      timeoutMs: 5000,
    });
    expect(res).toMatchObject({ status: 429, code: "resource_exhausted" });
  });

  it("a body that is not gzip under content-encoding gzip: 400 invalid_argument", async () => {
    const res = await send({ ...unaryJson(utf8('{"text":"x"}')), headers: { "content-encoding": "gzip" } });
    expect(res).toMatchObject({ status: 400, code: "invalid_argument" });
  });

  it("a wrong content type: 415", async () => {
    const res = await send({ path: ECHO, contentType: "text/plain", body: utf8('{"text":"x"}') });
    expect(res.status).toBe(415);
  });

  it.each([
    ["method", "/fixtures.echo.v1.EchoService/Nope"],
    ["service", "/no.such.Service/Echo"],
    ["path", "/not-a-method"],
  ])("an unknown %s: 404 unimplemented", async (_, path) => {
    const res = await send({ path, contentType: "application/json", body: utf8("{}") });
    expect(res.status).toBe(404);
    if (res.code !== "") expect(res.code).toBe("unimplemented");
  });

  it("still serves afterwards", stillServes);
});

describe("stream envelopes", () => {
  const json = utf8('{"text":"tick","count":2}');

  it("a well-formed request streams (the harness's own check)", async () => {
    expect(await send(streamJson(envelope(json)))).toEqual({ status: 200, code: "ok", messages: 2 });
  });

  it.each([
    ["a truncated envelope header", envelope(json).subarray(0, 3)],
    ["a truncated envelope body", envelope(json).subarray(0, 10)],
    ["a length prefix longer than the body", envelope(json, 0, json.length + 7)],
    ["no envelope at all", Buffer.alloc(0)],
    ["JSON of the wrong shape", envelope(utf8('{"text":["a"]}'))],
    ["invalid UTF-8", envelope(Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))],
  ])("%s: invalid_argument", async (_, body) => {
    expect(await send(streamJson(body))).toMatchObject({ code: "invalid_argument" });
  });

  it("a length prefix shorter than the body: the rest is read as the next envelope, and refused", async () => {
    // `{"te` is the first message; `xt":` is then the next prefix, claiming 1.9 GB.
    const res = await send(streamJson(envelope(json, 0, 4)));
    expect(["invalid_argument", "resource_exhausted"]).toContain(res.code);
    expect(res.messages).toBe(0);
  });

  it("a 4 GiB length claim: resource_exhausted", async () => {
    expect(await send(streamJson(envelope(json, 0, 0xffff_ffff)))).toMatchObject({ code: "resource_exhausted" });
  });

  it("a 4 GiB length claim is answered without waiting for the body", async () => {
    const res = await send({ ...streamJson(envelope(json, 0, 0xffff_ffff)), keepOpen: true, timeoutMs: 5000 });
    expect(res).toMatchObject({ code: "resource_exhausted" });
  });

  it("an envelope over maxMessageBytes: resource_exhausted", async () => {
    const big = utf8(JSON.stringify({ text: "x".repeat(MAX * 2) }));
    expect(await send(streamJson(envelope(big)))).toMatchObject({ code: "resource_exhausted" });
  });

  it.each([
    ["two requests for a server stream", Buffer.concat([envelope(json), envelope(json)])],
    ["a compressed flag without an encoding", envelope(json, 1)],
  ])("%s: an error, not a call", async (_, body) => {
    const res = await send(streamJson(body));
    expect(res.code).not.toBe("ok");
    expect(res.messages).toBe(0);
  });

  it("still serves afterwards", stillServes);
});

describe("connections that are not HTTP", () => {
  it.each([
    ["a TLS ClientHello on the plaintext port", Buffer.from("16030100a5010000a10303", "hex")],
    ["a truncated HTTP/2 preface", utf8("PRI * HTTP/2.0\r\n\r\nSM")],
    ["a garbage request line", utf8("\x00\x01GARBAGE / HTTP/9\r\n\r\n")],
  ])("%s: the connection is closed, the server stays up", async (_, bytes) => {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 5000);
      socket.on("error", () => {});
      // Read what the server answers (a 400, or nothing), or 'close' never comes.
      socket.resume();
      socket.on("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.connect(server.port, "127.0.0.1", () => socket.end(bytes));
    });
    expect(closed).toBe(true);
    await stillServes();
  });
});

/** Writes `bytes` on a fresh connection to the shared port; resolves with all it read until the server closed or `ms` passed. */
function exchange(bytes: Buffer, opts: { destroyAfterWrite?: boolean; ms?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let read = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(read);
    };
    const timer = setTimeout(done, opts.ms ?? 5000);
    socket.on("data", (c: Buffer) => {
      read += c.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", done);
    socket.connect(server.port, "127.0.0.1", () => {
      socket.write(bytes);
      if (opts.destroyAfterWrite) setTimeout(done, 50);
    });
  });
}

const requestHead = (path: string, contentType: string, length: number) =>
  utf8(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${contentType}\r\ncontent-length: ${length}\r\n\r\n`);

describe("clients that leave or hurry", () => {
  it.each([
    ["a unary body", ECHO, "application/json", utf8('{"text":"cut')],
    ["a stream's envelope", STREAM, "application/connect+json", envelope(utf8('{"text":"cut"}')).subarray(0, 9)],
  ])("a client that goes away in the middle of %s leaves the server serving", async (_, path, type, part) => {
    await exchange(Buffer.concat([requestHead(path, type, part.length + 40), part]), { destroyAfterWrite: true });
    await stillServes();
  });

  it("pipelined HTTP/1.1 requests on one connection are answered in order", async () => {
    const one = utf8('{"text":"first"}');
    const two = utf8('{"text":"second"}');
    const close = utf8(
      `POST ${ECHO} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${two.length}\r\n\r\n`,
    );
    const read = await exchange(Buffer.concat([requestHead(ECHO, "application/json", one.length), one, close, two]));
    expect(read.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(read.indexOf('{"text":"first"}')).toBeGreaterThan(0);
    expect(read.indexOf('{"text":"second"}')).toBeGreaterThan(read.indexOf('{"text":"first"}'));
  });
});

/**
 * Random bodies from `FUZZ_SEED` (FUZZ_COUNT and FUZZ_MS widen a local hunt; the defaults keep
 * the suite short), each sent with `send`: every one must get a well-formed Connect answer.
 */
async function randomRequests(send: (req: RawRequest) => Promise<Outcome>, types: readonly string[]): Promise<number> {
  const seed = Number(process.env.FUZZ_SEED ?? 0x5eed);
  const random = seededRandom(seed);
  const paths = [ECHO, STREAM, "/fixtures.echo.v1.EchoService/ClientStream", "/fixtures.echo.v1.EchoService/Bidi"];
  const valid = envelope(utf8('{"text":"r","count":1}'));
  const count = Number(process.env.FUZZ_COUNT ?? 300);
  const deadline = Date.now() + Number(process.env.FUZZ_MS ?? 8000);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  let sent = 0;
  for (; sent < count && Date.now() < deadline; sent++) {
    let body: Buffer;
    if (random() < 0.5) {
      body = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
    } else {
      // A valid envelope with a few bytes changed: the interesting half of the input space.
      body = Buffer.from(valid);
      for (let i = 0; i < 1 + Math.floor(random() * 3); i++) {
        body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      }
    }
    const request = { path: pick(paths), contentType: pick(types), body };
    const label = `seed ${seed}, request ${sent}: ${request.contentType} ${request.path} ${body.toString("hex")}`;
    const res = await send(request).catch((e: unknown) => {
      throw new Error(`${label}: ${String(e)}`);
    });
    // Bad bytes are the client's fault: never a 5xx, never internal. A 415 (a content type
    // the method does not take) may carry `unknown`, what Connect clients infer from a 415.
    expect(res.status, label).toBeLessThan(500);
    if (res.status !== 415)
      expect(["ok", "invalid_argument", "resource_exhausted", "unimplemented"], label).toContain(res.code);
  }
  return sent;
}

const CONNECT_TYPES = [
  "application/json",
  "application/proto",
  "application/connect+json",
  "application/connect+proto",
  "application/json; charset=utf-8",
];

describe("random bodies (seeded, bounded)", () => {
  it("over HTTP/1.1: each gets a well-formed status; the server stays up", async () => {
    expect(await randomRequests(send, CONNECT_TYPES)).toBeGreaterThan(20);
    await stillServes();
  });
});

describe("over HTTP/2 on the shared port, where grpc-js hands streams that are not gRPC to Connect", () => {
  let session: ClientHttp2Session;
  beforeAll(async () => {
    session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    await new Promise((resolve) => session.once("connect", resolve));
  });
  afterAll(() => session?.close());

  const sendH2 = async (req: RawRequest): Promise<Outcome> =>
    outcome(await rawH2Post(session, { ...req, headers: { ...VERSION, ...req.headers } }));

  it.each([
    ["malformed JSON", unaryJson(utf8('{"text":')), 400, "invalid_argument"],
    ["an unknown field", unaryJson(utf8('{"text":"x","bogus":1}')), 400, "invalid_argument"],
    [
      "a body over the limit",
      unaryJson(utf8(JSON.stringify({ text: "x".repeat(MAX * 2) }))),
      429,
      "resource_exhausted",
    ],
    ["a truncated envelope", streamJson(envelope(utf8('{"text":"x"}')).subarray(0, 8)), 200, "invalid_argument"],
    ["a 4 GiB length claim", streamJson(envelope(utf8("{}"), 0, 0xffff_ffff)), 200, "resource_exhausted"],
    ["an unknown method", { ...unaryJson(utf8("{}")), path: "/no.such.Service/Echo" }, 404, "unimplemented"],
  ])("%s: the same answer as over HTTP/1.1", async (_, req, status, code) => {
    expect(await sendH2(req)).toMatchObject({ status, code });
  });

  it("a 4 GiB claim is answered while the stream stays open", async () => {
    const req = { ...streamJson(envelope(utf8("{}"), 0, 0xffff_ffff)), keepOpen: true, timeoutMs: 5000 };
    expect(await sendH2(req)).toMatchObject({ code: "resource_exhausted" });
  });

  it("random bodies, content types with and without a type at all, on one session; gRPC still answers", async () => {
    expect(
      await randomRequests(sendH2, [...CONNECT_TYPES, "text/plain", "application/grpc-web+proto"]),
    ).toBeGreaterThan(20);
    expect(await sendH2(unaryJson(utf8('{"text":"same session"}')))).toEqual({ status: 200, code: "ok", messages: 1 });
    await stillServes();
  });
});
