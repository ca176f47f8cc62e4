// Connect-node's gRPC protocol: connectNodeAdapter on node:http2 and createGrpcTransport, on the
// same protoc-gen-es code the rpcgen variant uses (Connect-ES v2 needs no code of its own).
import { setMaxListeners } from "node:events";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Client as ConnectClient, createClient, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { type BenchRequestSchema, BenchService } from "../gen/rpcgen/bench_pb.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import { Pushable } from "../lib/pushable.js";
import { type BenchClient, type BenchServer, idleStreams, type Variant } from "./types.js";

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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

class Client implements BenchClient {
  readonly #client: ConnectClient<typeof BenchService>;
  #idle: AbortController | undefined;

  constructor(client: ConnectClient<typeof BenchService>) {
    this.#client = client;
  }

  async unary() {
    await this.#client.unary({ responseSize: SMALL, payload: payloadOf(SMALL) });
  }

  async serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined) {
    let n = 0;
    for await (const _ of this.#client.serverStream({ responseSize: size, responseCount: count })) {
      n++;
      const wait = onMessage?.(n);
      if (wait !== undefined) await wait;
    }
    return n;
  }

  async clientStream(count: number) {
    const payload = payloadOf(SMALL);
    async function* requests() {
      for (let i = 0; i < count; i++) yield { payload };
    }
    return (await this.#client.clientStream(requests())).count;
  }

  async pingPong(rounds: number) {
    const requests = new Pushable<MessageInitShape<typeof BenchRequestSchema>>();
    const responses = this.#client.pingPong(requests)[Symbol.asyncIterator]();
    const payload = payloadOf(SMALL);
    for (let i = 0; i < rounds; i++) {
      requests.push({ payload });
      await responses.next();
    }
    requests.end();
    await responses.next();
  }

  openIdle(n: number) {
    this.#idle ??= new AbortController();
    const signal = this.#idle.signal;
    // Every idle call listens on this one signal.
    setMaxListeners(0, signal);
    for (let i = 0; i < n; i++) {
      // Iterated at once: the call's promise must be observed, or its rejection on abort goes unhandled.
      this.#client
        .idle({}, { signal })
        [Symbol.asyncIterator]()
        .next()
        .catch(() => {});
    }
  }

  closeIdle() {
    this.#idle?.abort();
    this.#idle = undefined;
  }

  close() {
    this.closeIdle();
  }
}

export const variant: Variant = {
  startServer,
  async connect(port) {
    const client = createClient(BenchService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    // Connects the shared HTTP/2 session before anything is measured.
    await client.unary({});
    return new Client(client);
  },
};
