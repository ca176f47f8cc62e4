// Metadata both ways for the four call kinds, on success and on error, and the one error
// class with clean messages and rich details in grpc-status-details-bin.
import { fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  BadRequestSchema,
  type CallOptions,
  Code,
  ErrorInfoSchema,
  errorDetail,
  RpcError,
  RpcStatusSchema,
  STATUS_DETAILS_KEY,
} from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoServiceClient, EchoServiceDefinition, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { startServer } from "../helpers/server.js";
import { TestEcho } from "./echo-impl.js";

let server: Awaited<ReturnType<typeof startServer>>;
let client: EchoServiceClient;

beforeAll(async () => {
  server = await startServer((s) => registerEchoServiceServer(s, new TestEcho()));
  client = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.$close();
  await server.stop();
});

interface Outcome {
  header: grpc.Metadata;
  trailer: grpc.Metadata;
  error: RpcError | undefined;
}

/** Runs one call of each kind with `text` and collects the response headers, trailers and error. */
const calls: Record<string, (text: string, o: CallOptions) => Promise<Outcome>> = {
  async echo(text, o) {
    let header = new grpc.Metadata();
    let trailer = new grpc.Metadata();
    const error = await client
      .echo({ text }, { ...o, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) })
      .then(
        () => undefined,
        (e: RpcError) => e,
      );
    return { header, trailer, error };
  },
  async serverStream(text, o) {
    const call = client.serverStream({ text }, o);
    const error = await (async () => {
      for await (const _ of call);
    })().then(
      () => undefined,
      (e: RpcError) => e,
    );
    return { header: await call.header(), trailer: await call.trailer(), error };
  },
  async clientStream(text, o) {
    const call = client.clientStream(o);
    await call.send({ text });
    const error = await call.closeAndRecv().then(
      () => undefined,
      (e: RpcError) => e,
    );
    return { header: await call.header(), trailer: await call.trailer(), error };
  },
  async bidi(text, o) {
    const call = client.bidi([{ text }], o);
    const error = await (async () => {
      for await (const _ of call);
    })().then(
      () => undefined,
      (e: RpcError) => e,
    );
    return { header: await call.header(), trailer: await call.trailer(), error };
  },
};

const bytes = Uint8Array.of(0, 1, 2, 250, 255);

describe.each(Object.keys(calls))("%s", (kind) => {
  const run = calls[kind]!;

  it("sends record metadata (text and -bin) and reads response headers and trailers on success", async () => {
    const { header, trailer, error } = await run("ok", { metadata: { "x-in": "hello", "x-in-bin": bytes } });
    expect(error).toBeUndefined();
    expect(header.get("x-head")).toEqual(["hello"]);
    expect(new Uint8Array(header.get("x-head-bin")[0] as Buffer)).toEqual(bytes);
    expect(trailer.get("x-tail")).toEqual(["hello"]);
    expect(new Uint8Array(trailer.get("x-tail-bin")[0] as Buffer)).toEqual(bytes);
  });

  it("sends grpc.Metadata and reads headers, trailers and rich details on error", async () => {
    const md = new grpc.Metadata();
    md.set("x-in", "md");
    const { header, trailer, error } = await run("fail", { metadata: md });
    expect(error?.code).toBe(Code.FAILED_PRECONDITION);
    expect(error?.message).toBe("failing on purpose");
    expect(header.get("x-head")).toEqual(["md"]);
    expect(trailer.get("x-tail")).toEqual(["md"]);
    expect(trailer.get("x-error")).toEqual(["yes"]);
    expect(error?.metadata.get("x-error")).toEqual(["yes"]);
    expect(error?.findDetail(ErrorInfoSchema)).toMatchObject({
      reason: "ON_PURPOSE",
      domain: "rpcgen.test",
      metadata: { k: "v" },
    });
    expect(error?.findDetail(BadRequestSchema)?.fieldViolations[0]).toMatchObject({
      field: "text",
      description: "is fail",
    });
    expect(error?.details.map((d) => d.typeUrl)).toEqual([
      "type.googleapis.com/google.rpc.ErrorInfo",
      "type.googleapis.com/google.rpc.BadRequest",
    ]);
  });
});

it("gives an empty header for a trailers-only error, and no details when none were sent", async () => {
  const { header, error } = await calls.serverStream!("hang", { timeoutMs: 50 });
  expect(error?.code).toBe(Code.DEADLINE_EXCEEDED);
  expect(header.get("x-head")).toEqual([]);
  expect(error?.details).toEqual([]);
  expect(error?.findDetail(ErrorInfoSchema)).toBeUndefined();
});

// --- byte compatibility with other implementations -------------------------------------------
// The expected bytes are built by hand from the protobuf wire format, independently of
// protobuf-es: google.rpc.Status{code=1, message=2, details=3 (Any{type_url=1, value=2})}.

function lengthDelimited(field: number, payload: Uint8Array): number[] {
  const out = [(field << 3) | 2];
  let n = payload.length;
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n, ...payload);
  return out;
}
const utf8 = (s: string) => new TextEncoder().encode(s);
// ErrorInfo{reason: "R", domain: "d"}
const errorInfoBytes = Uint8Array.from([...lengthDelimited(1, utf8("R")), ...lengthDelimited(2, utf8("d"))]);
const anyBytes = Uint8Array.from([
  ...lengthDelimited(1, utf8("type.googleapis.com/google.rpc.ErrorInfo")),
  ...lengthDelimited(2, errorInfoBytes),
]);
const statusBytes = Uint8Array.from([
  0x08,
  Code.INVALID_ARGUMENT,
  ...lengthDelimited(2, utf8("bad")),
  ...lengthDelimited(3, anyBytes),
]);

it("writes grpc-status-details-bin with the same bytes as status.WithDetails", async () => {
  const impl = new TestEcho();
  impl.echo = async () => {
    throw new RpcError(Code.INVALID_ARGUMENT, "bad", {
      details: [errorDetail(ErrorInfoSchema, { reason: "R", domain: "d" })],
    });
  };
  const s = await startServer((srv) => registerEchoServiceServer(srv, impl));
  const c = new EchoServiceClient(s.address, grpc.credentials.createInsecure());
  try {
    let trailer = new grpc.Metadata();
    const err = await c.echo({}, { onTrailer: (t) => (trailer = t) }).then(
      () => undefined,
      (e: RpcError) => e,
    );
    expect(err?.code).toBe(Code.INVALID_ARGUMENT);
    expect(new Uint8Array(trailer.get(STATUS_DETAILS_KEY)[0] as Buffer)).toEqual(statusBytes);
  } finally {
    c.$close();
    await s.stop();
  }
});

it("reads details that another implementation wrote, and ignores a broken trailer", async () => {
  // A raw grpc-js handler stands in for a peer in another language: only bytes on the wire.
  const s = await startServer((srv) =>
    srv.addService(EchoServiceDefinition, {
      echo: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const md = new grpc.Metadata();
        const broken = (call.request as { text: string }).text === "broken";
        md.set(STATUS_DETAILS_KEY, Buffer.from(broken ? [0xff, 0xff] : statusBytes));
        cb({ code: Code.INVALID_ARGUMENT, details: "bad", metadata: md });
      },
    }),
  );
  const c = new EchoServiceClient(s.address, grpc.credentials.createInsecure());
  try {
    const err = await c.echo({}).then(
      () => undefined,
      (e: RpcError) => e,
    );
    expect(err?.message).toBe("bad");
    expect(err?.findDetail(ErrorInfoSchema)).toMatchObject({ reason: "R", domain: "d" });
    expect(fromBinary(RpcStatusSchema, statusBytes).details).toHaveLength(1);
    const broken = await c.echo({ text: "broken" }).then(
      () => undefined,
      (e: RpcError) => e,
    );
    expect(broken?.code).toBe(Code.INVALID_ARGUMENT);
    expect(broken?.details).toEqual([]);
  } finally {
    c.$close();
    await s.stop();
  }
});
