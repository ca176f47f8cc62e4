// Back-pressure, message size limits and undecodable input, over real gRPC.
import * as grpc from "@grpc/grpc-js";
import { Code, type RpcError, type ServerStream } from "@rpcgen/runtime";
import { describe, expect, it } from "vitest";
import type { EchoRequest, EchoResponseSchema } from "../golden/ts/fixtures/echo_pb.js";
import { EchoServiceClient, EchoServiceDefinition, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { startServer } from "../helpers/server.js";
import { TestEcho } from "./echo-impl.js";

const MiB = 1024 * 1024;

function memory(): number {
  // Resident memory: messages may sit in the JS heap, in Buffers, or in HTTP/2's native buffers.
  return process.memoryUsage().rss;
}

describe("back-pressure", () => {
  it("keeps the server's memory bounded while a client reads a huge stream slowly", async () => {
    const MESSAGES = 1024; // 1 GiB if the server could run ahead of the reader
    const READ = 48;
    let produced = 0;
    const impl = new TestEcho();
    impl.serverStream = async function* (_request: EchoRequest, _stream: ServerStream<typeof EchoResponseSchema>) {
      for (let i = 0; i < MESSAGES; i++) {
        produced++;
        // A fresh 1 MiB string each time, so that buffered messages really cost memory.
        yield { text: Buffer.alloc(MiB, 65 + (i % 26)).toString("latin1"), index: i };
      }
    };
    const server = await startServer((s) => registerEchoServiceServer(s, impl));
    const client = new EchoServiceClient(server.address, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 2 * MiB,
    });
    try {
      global.gc?.();
      const baseline = memory();
      let peak = 0;
      let consumed = 0;
      let ahead = 0;
      for await (const r of client.serverStream({})) {
        expect(r.index).toBe(consumed);
        consumed++;
        // A slow reader: let the server run as far ahead as it can before each next read.
        await new Promise((resolve) => setTimeout(resolve, 5));
        peak = Math.max(peak, memory() - baseline);
        ahead = Math.max(ahead, produced - consumed);
        if (consumed === READ) break;
      }
      console.log(
        `back-pressure: read ${consumed} of ${MESSAGES} 1 MiB messages; server ran at most ${ahead} ahead; peak +${(peak / MiB).toFixed(0)} MiB`,
      );
      expect(consumed).toBe(READ);
      expect(ahead).toBeLessThan(64);
      expect(peak).toBeLessThan(256 * MiB);
    } finally {
      client.$close();
      await server.stop();
    }
  });
});

describe("message size limits", () => {
  it("ends an oversized request or response with RESOURCE_EXHAUSTED, and the server keeps serving", async () => {
    // The server takes up to 16 MiB; clients keep grpc-js's default of 4 MiB for what they receive.
    const server = await startServer((s) => registerEchoServiceServer(s, new TestEcho()), {
      options: { "grpc.max_receive_message_length": 16 * MiB },
    });
    const small = await startServer((s) => registerEchoServiceServer(s, new TestEcho()));
    const client = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
    const smallClient = new EchoServiceClient(small.address, grpc.credentials.createInsecure());
    const fiveMiB = "y".repeat(5 * MiB);
    try {
      const tooBigRequest = await smallClient.echo({ text: fiveMiB }).catch((e: RpcError) => e);
      expect(tooBigRequest).toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
      const tooBigResponse = await client.echo({ text: fiveMiB }).catch((e: RpcError) => e);
      expect(tooBigResponse).toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
      const inStream = await smallClient.clientStream([{ text: "ok" }, { text: fiveMiB }]).catch((e: RpcError) => e);
      expect(inStream).toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
      expect((await smallClient.echo({ text: "still here" })).text).toBe("still here");
      expect((await client.echo({ text: "still here" })).text).toBe("still here");
    } finally {
      client.$close();
      smallClient.$close();
      await server.stop();
      await small.stop();
    }
  });
});

describe("undecodable input", () => {
  it("ends a call whose request bytes do not decode with an error status, and serves the next call", async () => {
    const server = await startServer((s) => registerEchoServiceServer(s, new TestEcho()));
    // A raw grpc-js client sends bytes as they are: field 1 claims 5 bytes, 1 follows.
    const raw = new grpc.Client(server.address, grpc.credentials.createInsecure());
    const bytes = (b: Buffer) => b;
    const garbage = Buffer.from([0x0a, 0x05, 0x61]);
    const client = new EchoServiceClient(raw);
    try {
      const unary = await new Promise<grpc.ServiceError | null>((resolve) =>
        raw.makeUnaryRequest(EchoServiceDefinition.echo.path, bytes, bytes, garbage, (err) => resolve(err)),
      );
      expect(unary?.code).toBe(Code.INTERNAL);
      expect(unary?.details).toMatch(/deserializ/i);

      // Mid-stream: one good message, then garbage.
      const bidi = raw.makeBidiStreamRequest(EchoServiceDefinition.bidi.path, bytes, bytes);
      const status = new Promise<grpc.StatusObject>((resolve) => bidi.on("status", resolve));
      bidi.on("data", () => {});
      bidi.on("error", () => {});
      bidi.write(Buffer.from([0x0a, 0x02, 0x6f, 0x6b])); // EchoRequest{text: "ok"}
      bidi.write(garbage);
      expect((await status).code).toBe(Code.INTERNAL);

      expect((await client.echo({ text: "next" })).text).toBe("next");
    } finally {
      raw.close();
      await server.stop();
    }
  });
});
