// rpcgen: the code protoc-gen-ts-rpc generated (bench/gen/rpcgen), used as its README shows.
import * as grpc from "@grpc/grpc-js";
import type { RequestStream, ServerStream, ServerStreamCall } from "@rpcgen/runtime";
import type { BenchRequest, BenchRequestSchema, BenchResponseSchema } from "../gen/rpcgen/bench_pb.js";
import { BenchServiceClient, type BenchServiceServer, registerBenchServiceServer } from "../gen/rpcgen/bench_rpc.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import { address, ready, startGrpcServer } from "./grpc-common.js";
import { type BenchClient, idleStreams, type Variant } from "./types.js";

/** The BenchService as rpcgen users write it; served over gRPC here and over Connect by connect-rpcgen.ts. */
export class BenchServiceImpl implements BenchServiceServer {
  unary(request: BenchRequest) {
    return { payload: payloadOf(request.responseSize) };
  }

  async serverStream(request: BenchRequest, stream: ServerStream<typeof BenchResponseSchema>) {
    const payload = payloadOf(request.responseSize);
    for (let i = 0; i < request.responseCount; i++) await stream.send({ payload });
  }

  async clientStream(requests: RequestStream<typeof BenchRequestSchema>) {
    let count = 0;
    for await (const _ of requests) count++;
    return { count };
  }

  async pingPong(requests: RequestStream<typeof BenchRequestSchema>, stream: ServerStream<typeof BenchResponseSchema>) {
    for await (const request of requests) await stream.send({ payload: request.payload });
  }

  async idle(_request: BenchRequest, stream: ServerStream<typeof BenchResponseSchema>) {
    idleStreams.open++;
    await new Promise((resolve) => stream.signal.addEventListener("abort", resolve, { once: true }));
    idleStreams.open--;
  }
}

class Client implements BenchClient {
  readonly #client: BenchServiceClient;
  #idle: ServerStreamCall<typeof BenchResponseSchema>[] = [];

  constructor(client: BenchServiceClient) {
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
    const call = this.#client.clientStream();
    const payload = payloadOf(SMALL);
    for (let i = 0; i < count; i++) await call.send({ payload });
    return (await call.closeAndRecv()).count;
  }

  async pingPong(rounds: number) {
    const call = this.#client.pingPong();
    const payload = payloadOf(SMALL);
    for (let i = 0; i < rounds; i++) {
      await call.send({ payload });
      await call.recv();
    }
    call.closeSend();
    await call.recv();
  }

  openIdle(n: number) {
    for (let i = 0; i < n; i++) this.#idle.push(this.#client.idle({}));
  }

  closeIdle() {
    for (const call of this.#idle) call.cancel();
    this.#idle = [];
  }

  close() {
    this.#client.$close();
  }
}

/** Interceptors to add on both sides (the OpenTelemetry variants); none for rpcgen itself. */
export interface Interceptors {
  server(): grpc.ServerInterceptor[];
  client(target: string): grpc.Interceptor[];
}

/** The rpcgen variant, with `interceptors` installed on its server and client. */
export function rpcgenVariant(interceptors?: Interceptors): Variant {
  return {
    startServer: () =>
      startGrpcServer(
        (server) => registerBenchServiceServer(server, new BenchServiceImpl()),
        interceptors && { interceptors: interceptors.server() },
      ),
    async connect(port) {
      const target = address(port);
      const options = interceptors && { interceptors: interceptors.client(target) };
      const client = new BenchServiceClient(target, grpc.credentials.createInsecure(), options);
      await ready(client.$client);
      return new Client(client);
    },
  };
}

export const variant: Variant = rpcgenVariant();
