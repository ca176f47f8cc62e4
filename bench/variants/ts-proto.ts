// ts-proto's grpc-js output (bench/gen/ts-proto, outputServices=grpc-js), used as its README shows.
import * as grpc from "@grpc/grpc-js";
import {
  type BenchRequest,
  type BenchResponse,
  BenchServiceClient,
  type BenchServiceServer,
  BenchServiceService,
} from "../gen/ts-proto/bench.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import { address, drained, holdIdle, pingPong, readAll, ready, startGrpcServer, writeAll } from "./grpc-common.js";
import { type BenchClient, idleStreams, type Variant } from "./types.js";

function request(init: Partial<BenchRequest>): BenchRequest {
  return { responseSize: 0, responseCount: 0, payload: "", ...init };
}

const implementation: BenchServiceServer = {
  unary(call, callback) {
    callback(null, { payload: payloadOf(call.request.responseSize), count: 0 });
  },
  async serverStream(call) {
    const payload = payloadOf(call.request.responseSize);
    for (let i = 0; i < call.request.responseCount && !call.cancelled; i++) {
      if (!call.write({ payload, count: 0 })) await drained(call);
    }
    if (!call.cancelled) call.end();
  },
  clientStream(call, callback) {
    let count = 0;
    call.on("data", () => count++);
    call.on("end", () => callback(null, { payload: "", count }));
  },
  pingPong(call) {
    call.on("data", (req: BenchRequest) => call.write({ payload: req.payload, count: 0 }));
    call.on("end", () => call.end());
  },
  idle(call) {
    holdIdle(call as grpc.ServerWritableStream<unknown, unknown>, idleStreams);
  },
};

class Client implements BenchClient {
  readonly #client: BenchServiceClient;
  #idle: grpc.ClientReadableStream<BenchResponse>[] = [];

  constructor(client: BenchServiceClient) {
    this.#client = client;
  }

  unary() {
    const req: BenchRequest = { responseSize: SMALL, responseCount: 0, payload: payloadOf(SMALL) };
    return new Promise<void>((resolve, reject) => this.#client.unary(req, (err) => (err ? reject(err) : resolve())));
  }

  serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined) {
    return readAll(this.#client.serverStream(request({ responseSize: size, responseCount: count })), onMessage);
  }

  clientStream(count: number) {
    return new Promise<number>((resolve, reject) => {
      const call = this.#client.clientStream((err, res) => (err ? reject(err) : resolve(res.count)));
      const payload = payloadOf(SMALL);
      writeAll(call, count, (): BenchRequest => ({ responseSize: 0, responseCount: 0, payload }));
    });
  }

  pingPong(rounds: number) {
    const payload = payloadOf(SMALL);
    return pingPong(
      this.#client.pingPong(),
      rounds,
      (): BenchRequest => ({ responseSize: 0, responseCount: 0, payload }),
    );
  }

  openIdle(n: number) {
    for (let i = 0; i < n; i++) {
      const call = this.#client.idle(request({}));
      call.on("error", () => {});
      this.#idle.push(call);
    }
  }

  closeIdle() {
    for (const call of this.#idle) call.cancel();
    this.#idle = [];
  }

  close() {
    this.#client.close();
  }
}

export const variant: Variant = {
  startServer: () => startGrpcServer((server) => server.addService(BenchServiceService, implementation)),
  async connect(port) {
    const client = new BenchServiceClient(address(port), grpc.credentials.createInsecure());
    await ready(client);
    return new Client(client);
  },
};
