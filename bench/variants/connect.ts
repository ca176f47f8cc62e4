// Connect-node's gRPC protocol: connectNodeAdapter on node:http2 and createGrpcTransport, on the
// same protoc-gen-es code the rpcgen variant uses (Connect-ES v2 needs no code of its own).
import * as http2 from "node:http2";
import type { AddressInfo, Server } from "node:net";
import { createClient, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { BenchService } from "../gen/rpcgen/bench_pb.js";
import { payloadOf } from "../lib/payload.js";
import { ConnectBenchClient } from "./connect-client.js";
import { type BenchServer, idleStreams, type Variant } from "./types.js";

/** The BenchService as connect-node serves it, over either protocol. */
export const implementation: ServiceImpl<typeof BenchService> = {
  unary(request) {
    return { payload: payloadOf(request.responseSize) };
  },
  async *serverStream(request) {
    const payload = payloadOf(request.responseSize);
    for (let i = 0; i < request.responseCount; i++) yield { payload };
  },
  async clientStream(requests) {
    let count = 0;
    for await (const _ of requests) count++;
    return { count };
  },
  async *pingPong(requests) {
    for await (const request of requests) yield { payload: request.payload };
  },
  async *idle(_request, context) {
    idleStreams.open++;
    await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
    idleStreams.open--;
  },
};

/** Listens on 127.0.0.1, on a port the system picks, and resolves with it. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** connect-node's server on node:http2 (h2c), for either protocol. */
export async function startServer(): Promise<BenchServer> {
  const server = http2.createServer(
    connectNodeAdapter({ routes: (router) => router.service(BenchService, implementation) }),
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  return {
    port: await listenOnLoopback(server),
    async stop() {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const variant: Variant = {
  startServer,
  async connect(port) {
    const client = createClient(BenchService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    // Connects the shared HTTP/2 session before anything is measured.
    await client.unary({});
    return new ConnectBenchClient(client, client, true);
  },
};
