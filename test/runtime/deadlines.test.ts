// Deadlines and cancellation for the four call kinds, on both sides of a real gRPC call.
import * as grpc from "@grpc/grpc-js";
import { type CallOptions, Code, RpcError } from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { startServer } from "../helpers/server.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";
import { TestEcho } from "./echo-impl.js";

let server: Awaited<ReturnType<typeof startServer>>;
let impl: TestEcho;
let client: EchoServiceClient;

beforeAll(async () => {
  impl = new TestEcho();
  server = await startServer((s) => registerEchoServiceServer(s, impl));
  client = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.$close();
  await server.stop();
});

/** Starts a call of each kind whose handler waits until the call is aborted; settles when the call ends. */
const hangingCalls: Record<string, (c: EchoServiceClient, o: CallOptions) => Promise<unknown>> = {
  echo: (c, o) => c.echo({ text: "hang" }, o),
  serverStream: async (c, o) => {
    for await (const _ of c.serverStream({ text: "hang" }, o));
  },
  clientStream: async (c, o) => {
    const call = c.clientStream(o);
    await call.send({ text: "hang" });
    return call.closeAndRecv();
  },
  bidi: async (c, o) => {
    const call = c.bidi(o);
    await call.send({ text: "hang" });
    for await (const _ of call);
  },
};
const kinds = Object.keys(hangingCalls);

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => new Error("the call succeeded"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

describe.each(kinds)("%s", (kind) => {
  const start = hangingCalls[kind]!;

  it("fails with DEADLINE_EXCEEDED when timeoutMs passes, and the handler's signal says so", async () => {
    const err = await rejection(start(client, { timeoutMs: 100 }));
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    await expect.poll(() => impl.aborted).toContain(`${kindMethod(kind)}: DEADLINE_EXCEEDED`);
  });

  it("fails with DEADLINE_EXCEEDED for an absolute deadline", async () => {
    const err = await rejection(start(client, { deadline: new Date(Date.now() + 100) }));
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
  });

  it("fails with CANCELLED when the signal aborts mid-call, and the handler's signal says so", async () => {
    const controller = new AbortController();
    const before = impl.started.length;
    const call = start(client, { signal: controller.signal });
    await expect.poll(() => impl.started.slice(before)).toContain(kind);
    controller.abort();
    const err = await rejection(call);
    expect(err.code).toBe(Code.CANCELLED);
    await expect.poll(() => impl.aborted).toContain(`${kindMethod(kind)}: CANCELLED`);
  });

  it("fails with CANCELLED at once for a signal aborted before the call", async () => {
    const err = await rejection(start(client, { signal: AbortSignal.abort() }));
    expect(err.code).toBe(Code.CANCELLED);
  });
});

it("leaves nothing running on the server for calls cancelled in the tick they start", async () => {
  // A warm channel is where grpc-js would open the stream at once and, cancelled at once, never reset it.
  const warm = new TestEcho();
  const s = await startServer((srv) => registerEchoServiceServer(srv, warm));
  const c = new EchoServiceClient(s.address, grpc.credentials.createInsecure());
  try {
    await c.echo({ text: "warm" });
    for (const kind of kinds) {
      const err = await rejection(hangingCalls[kind]!(c, { signal: AbortSignal.abort() }));
      expect(err.code).toBe(Code.CANCELLED);
    }
    const stream = c.serverStream({ text: "hang" });
    stream.cancel();
    const upload = c.clientStream();
    upload.cancel();
    const bidi = c.bidi();
    bidi.cancel();
    for (const p of [stream.recv(), upload.closeAndRecv(), bidi.recv()])
      expect((await rejection(p)).code).toBe(Code.CANCELLED);
    // Every handler that started has seen its call end; s.stop() below also fails on a leaked stream.
    await expect.poll(() => warm.finished.length).toBe(warm.started.length);
  } finally {
    c.$close();
    await s.stop();
  }
});

function kindMethod(kind: string): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}

describe("the server's call context", () => {
  it("exposes the client's deadline", async () => {
    let seen: Date | undefined;
    const s = await startServer((srv) =>
      registerEchoServiceServer(
        srv,
        new (class extends TestEcho {
          override async echo(_r: unknown, ctx: import("@rpcgen/runtime").CallContext) {
            seen = ctx.deadline;
            return { text: "ok" };
          }
        })(),
      ),
    );
    const c = new EchoServiceClient(s.address, grpc.credentials.createInsecure());
    try {
      const deadline = new Date(Date.now() + 60_000);
      await c.echo({}, { deadline });
      // grpc-timeout travels as a relative duration, so the server's clock rebuilds it.
      expect(seen).toBeInstanceOf(Date);
      expect(Math.abs(seen!.getTime() - deadline.getTime())).toBeLessThan(5_000);
      await c.echo({});
      expect(seen).toBeUndefined();
    } finally {
      c.$close();
      await s.stop();
    }
  });

  it("stops an async-generator handler (its finally runs) when the deadline passes", async () => {
    const before = impl.finished.filter((m) => m === "serverStream").length;
    const err = await rejection(hangingCalls.serverStream!(client, { timeoutMs: 100 }));
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    await expect.poll(() => impl.finished.filter((m) => m === "serverStream").length).toBe(before + 1);
  });

  it("stops the handler when breaking out of for await cancels the call", async () => {
    const before = impl.finished.filter((m) => m === "serverStream").length;
    for await (const r of client.serverStream({ text: "hang", count: 3 })) if (r.index === 1) break;
    await expect.poll(() => impl.finished.filter((m) => m === "serverStream").length).toBe(before + 1);
    expect(impl.aborted.at(-1)).toBe("ServerStream: CANCELLED");
  });

  it("rejects a recv() blocked when the deadline passes with DEADLINE_EXCEEDED, and aborts the signal", async () => {
    const blocked = new TestEcho();
    const seen: string[] = [];
    blocked.bidi = async (requests, stream) => {
      stream.signal.addEventListener("abort", () => seen.push("signal"));
      await requests.recv();
      seen.push("first");
      try {
        await requests.recv(); // the client never sends a second message
        seen.push("recv: ended");
      } catch (err) {
        seen.push(`recv: ${(err as RpcError).codeName}`);
      }
    };
    const s = await startServer((srv) => registerEchoServiceServer(srv, blocked));
    const c = new EchoServiceClient(s.address, grpc.credentials.createInsecure());
    try {
      const call = c.bidi({ timeoutMs: 300 });
      await call.send({ text: "one" });
      const err = await rejection(call.recv());
      expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
      await expect.poll(() => [...seen].sort()).toEqual(["first", "recv: DEADLINE_EXCEEDED", "signal"]);
    } finally {
      c.$close();
      await s.stop();
    }
  });

  it("settles a recv() blocked when the client cancels, and aborts the signal", async () => {
    const blocked = new TestEcho();
    const seen: string[] = [];
    blocked.clientStream = async (requests, ctx) => {
      ctx.signal.addEventListener("abort", () => seen.push("signal"));
      await requests.recv();
      seen.push("first");
      // Node's HTTP/2 client half-closes before it resets, so this may end instead of rejecting.
      await requests.recv().catch(() => undefined);
      seen.push("settled");
      return {};
    };
    const s = await startServer((srv) => registerEchoServiceServer(srv, blocked));
    const c = new EchoServiceClient(s.address, grpc.credentials.createInsecure());
    try {
      const call = c.clientStream();
      await call.send({ text: "one" });
      await expect.poll(() => seen).toEqual(["first"]);
      call.cancel();
      expect((await rejection(call.closeAndRecv())).code).toBe(Code.CANCELLED);
      await expect.poll(() => [...seen].sort()).toEqual(["first", "settled", "signal"]);
    } finally {
      c.$close();
      await s.stop();
    }
  });

  it("aborts the signal and runs the generator's finally when the connection drops", async () => {
    const proxy = await startTcpProxy(server.address);
    const c = new EchoServiceClient(proxy.endpoint, grpc.credentials.createInsecure());
    try {
      const before = impl.finished.filter((m) => m === "serverStream").length;
      const abortedBefore = impl.aborted.length;
      const call = c.serverStream({ text: "hang" });
      expect((await call.recv())?.index).toBe(0);
      await proxy.cut();
      const err = await rejection(call.recv());
      expect(err.code).toBe(Code.UNAVAILABLE);
      await expect.poll(() => impl.aborted.slice(abortedBefore)).toEqual(["ServerStream: CANCELLED"]);
      await expect.poll(() => impl.finished.filter((m) => m === "serverStream").length).toBe(before + 1);
    } finally {
      c.$close();
      await proxy.close();
    }
  });

  it("rejects a timeout that is not a number with a clear error", async () => {
    await expect(client.echo({}, { timeoutMs: Number.NaN })).rejects.toThrow(
      "timeoutMs must be a finite number, got NaN",
    );
    expect(() => client.serverStream({}, { deadline: new Date("nope") })).toThrow(
      "deadline must be a valid Date or epoch milliseconds, got Invalid Date",
    );
  });
});
