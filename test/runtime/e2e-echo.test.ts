import type { MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type CallContext, Code, type RequestStream, RpcError, type ServerStream } from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EchoRequest, EchoRequestSchema, EchoResponseSchema } from "../golden/ts/fixtures/echo_pb.js";
import {
  AwkwardClient,
  EchoServiceClient,
  registerAwkwardServer,
  registerEchoServiceServer,
  UnimplementedAwkwardServer,
  UnimplementedEchoServiceServer,
} from "../golden/ts/fixtures/echo_rpc.js";

type Reply = MessageInitShape<typeof EchoResponseSchema>;

class EchoServer extends UnimplementedEchoServiceServer {
  finallyRan = 0;

  override async echo(request: EchoRequest, ctx: CallContext): Promise<Reply> {
    if (request.failCode !== 0) throw new RpcError(request.failCode, `failing with ${request.failCode}`);
    if (request.text === "plain-error") throw new Error("boom");
    if (request.text === "sync-throw") (null as unknown as { x: number }).x;
    ctx.trailer.set("x-trailer", "t");
    return { text: `${request.text} from ${ctx.method}` };
  }

  override async *serverStream(request: EchoRequest) {
    for (let i = 0; i < request.count; i++) {
      if (request.failCode !== 0 && i === 2) throw new RpcError(request.failCode, "stream failed");
      yield { text: request.text, index: i };
    }
  }

  override async clientStream(requests: RequestStream<typeof EchoRequestSchema>): Promise<Reply> {
    const texts: string[] = [];
    for await (const r of requests) texts.push(r.text);
    return { text: texts.join(","), index: texts.length };
  }

  // Go style: recv until the client closes its side, send each answer.
  override async bidi(
    requests: RequestStream<typeof EchoRequestSchema>,
    stream: ServerStream<typeof EchoResponseSchema>,
  ) {
    let i = 0;
    for (let r = await requests.recv(); r !== undefined; r = await requests.recv()) {
      if (r.text === "stop") return; // ends the stream early with OK
      await stream.send({ text: r.text.toUpperCase(), index: i++ });
    }
  }

  override async *forever(request: EchoRequest) {
    try {
      for (let i = 0; ; i++) {
        yield { text: request.text, index: i };
        await new Promise((r) => setTimeout(r, 1));
      }
    } finally {
      this.finallyRan++;
    }
  }
}

let server: Awaited<ReturnType<typeof import("../helpers/server.js").startServer>>;
let client: EchoServiceClient;
let impl: EchoServer;

beforeAll(async () => {
  const { startServer } = await import("../helpers/server.js");
  impl = new EchoServer();
  server = await startServer((s) => {
    registerEchoServiceServer(s, impl);
    registerAwkwardServer(
      s,
      new (class extends UnimplementedAwkwardServer {
        override then$(r: EchoRequest) {
          return { text: `then:${r.text}` };
        }
        override close(r: EchoRequest) {
          return { text: `close:${r.text}` };
        }
        override constructor$(r: EchoRequest) {
          return { text: `constructor:${r.text}` };
        }
      })(),
    );
  });
  client = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.$close();
  await server.stop();
});

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

describe("unary", () => {
  it("answers with the handler's response and trailers", async () => {
    let trailer: string | undefined;
    const res = await client.echo({ text: "hi" }, { onTrailer: (md) => (trailer = String(md.get("x-trailer")[0])) });
    expect(res.text).toBe("hi from /fixtures.echo.v1.EchoService/Echo");
    expect(trailer).toBe("t");
  });

  it("keeps the code of a thrown RpcError, with a clean message", async () => {
    const err = await rejection(client.echo({ failCode: Code.NOT_FOUND }));
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(err.message).toBe("failing with 5");
  });

  it("turns a rejected plain error into UNKNOWN without a stack", async () => {
    const err = await rejection(client.echo({ text: "plain-error" }));
    expect(err.code).toBe(Code.UNKNOWN);
    expect(err.message).toBe("boom");
  });

  it("answers UNIMPLEMENTED with grpc-go's text for an rpc the server does not override", async () => {
    const err = await rejection(client.missing({}));
    expect(err.code).toBe(Code.UNIMPLEMENTED);
    expect(err.message).toBe("method Missing not implemented");
  });

  it("serves many concurrent calls on one channel", async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => client.echo({ text: `n${i}` })));
    expect(replies.map((r) => r.text.split(" ")[0])).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`));
  });
});

describe("server streaming", () => {
  it("delivers every response through for await", async () => {
    const got: number[] = [];
    for await (const r of client.serverStream({ text: "s", count: 5 })) got.push(r.index);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("offers Go's recv(), undefined at the end", async () => {
    const call = client.serverStream({ text: "s", count: 2 });
    expect((await call.recv())?.index).toBe(0);
    expect((await call.recv())?.index).toBe(1);
    expect(await call.recv()).toBeUndefined();
  });

  it("throws the status after the messages sent before a failure", async () => {
    const got: number[] = [];
    const err = await rejection(
      (async () => {
        for await (const r of client.serverStream({ count: 5, failCode: Code.ABORTED })) got.push(r.index);
      })(),
    );
    expect(got).toEqual([0, 1]);
    expect(err.code).toBe(Code.ABORTED);
    expect(err.message).toBe("stream failed");
  });

  it("cancels the call when the loop breaks, and the server generator's finally runs", async () => {
    const before = impl.finallyRan;
    let n = 0;
    for await (const _ of client.forever({ text: "f" })) if (++n === 3) break;
    await expect.poll(() => impl.finallyRan).toBe(before + 1);
  });
});

describe("client streaming", () => {
  it("takes an async iterable of init objects and returns the response", async () => {
    async function* requests() {
      for (const text of ["a", "b", "c"]) yield { text };
    }
    const res = await client.clientStream(requests());
    expect(res).toMatchObject({ text: "a,b,c", index: 3 });
  });

  it("offers Go's send() and closeAndRecv()", async () => {
    const call = client.clientStream();
    await call.send({ text: "x" });
    await call.send({ text: "y" });
    const res = await call.closeAndRecv();
    expect(res.text).toBe("x,y");
  });
});

describe("bidirectional streaming", () => {
  it("answers each message; closeSend ends the server's receive loop", async () => {
    const call = client.bidi();
    await call.send({ text: "one" });
    expect((await call.recv())?.text).toBe("ONE");
    await call.send({ text: "two" });
    expect((await call.recv())?.text).toBe("TWO");
    call.closeSend();
    expect(await call.recv()).toBeUndefined();
  });

  it("takes an iterable of requests and yields the responses", async () => {
    const got: string[] = [];
    for await (const r of client.bidi([{ text: "a" }, { text: "b" }])) got.push(r.text);
    expect(got).toEqual(["A", "B"]);
  });

  it("ends cleanly when the server returns early", async () => {
    const got: string[] = [];
    for await (const r of client.bidi([{ text: "a" }, { text: "stop" }, { text: "never" }])) got.push(r.text);
    expect(got).toEqual(["A"]);
  });
});

describe("awkward names", () => {
  it("calls rpcs named Then, Close and Constructor, and the client is not thenable", async () => {
    const awkward = new AwkwardClient(client.$client);
    expect((await awkward.then$({ text: "x" })).text).toBe("then:x");
    expect((await awkward.close({ text: "x" })).text).toBe("close:x");
    expect((await awkward.constructor$({ text: "x" })).text).toBe("constructor:x");
    expect("then" in awkward).toBe(false);
    expect(await Promise.resolve(awkward)).toBe(awkward);
    const err = await rejection(awkward.toString$({}));
    expect(err.message).toBe("method ToString not implemented");
  });
});
