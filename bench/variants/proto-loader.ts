// @grpc/proto-loader: bench.proto loaded at run time, plain objects encoded by protobufjs,
// with the options grpc's own Node examples use.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { payloadOf, SMALL } from "../lib/payload.js";
import { address, drained, holdIdle, pingPong, readAll, ready, startGrpcServer, writeAll } from "./grpc-common.js";
import { type BenchClient, idleStreams, type Variant } from "./types.js";

interface Request {
  response_size?: number;
  response_count?: number;
  payload?: string;
}
interface Response {
  payload?: string;
  count?: number;
}
type Callback = (err: grpc.ServiceError | null, res?: Response) => void;
type LoadedClient = grpc.Client & {
  Unary(request: Request, callback: Callback): grpc.ClientUnaryCall;
  ServerStream(request: Request): grpc.ClientReadableStream<Response>;
  ClientStream(callback: Callback): grpc.ClientWritableStream<Request>;
  PingPong(): grpc.ClientDuplexStream<Request, Response>;
  Idle(request: Request): grpc.ClientReadableStream<Response>;
};

const packageDefinition = protoLoader.loadSync(fileURLToPath(new URL("../proto/bench.proto", import.meta.url)), {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
  bench: { v1: { BenchService: grpc.ServiceClientConstructor } };
};
const BenchService = loaded.bench.v1.BenchService;

const implementation = {
  Unary(call: grpc.ServerUnaryCall<Request, Response>, callback: grpc.sendUnaryData<Response>) {
    callback(null, { payload: payloadOf(call.request.response_size ?? 0) });
  },
  async ServerStream(call: grpc.ServerWritableStream<Request, Response>) {
    const payload = payloadOf(call.request.response_size ?? 0);
    const count = call.request.response_count ?? 0;
    for (let i = 0; i < count && !call.cancelled; i++) {
      if (!call.write({ payload })) await drained(call);
    }
    if (!call.cancelled) call.end();
  },
  ClientStream(call: grpc.ServerReadableStream<Request, Response>, callback: grpc.sendUnaryData<Response>) {
    let count = 0;
    call.on("data", () => count++);
    call.on("end", () => callback(null, { count }));
  },
  PingPong(call: grpc.ServerDuplexStream<Request, Response>) {
    call.on("data", (request: Request) => call.write({ payload: request.payload ?? "" }));
    call.on("end", () => call.end());
  },
  Idle(call: grpc.ServerWritableStream<Request, Response>) {
    holdIdle(call, idleStreams);
  },
};

class Client implements BenchClient {
  readonly #client: LoadedClient;
  #idle: grpc.ClientReadableStream<Response>[] = [];

  constructor(client: LoadedClient) {
    this.#client = client;
  }

  unary() {
    const request = { response_size: SMALL, payload: payloadOf(SMALL) };
    return new Promise<void>((resolve, reject) =>
      this.#client.Unary(request, (err) => (err ? reject(err) : resolve())),
    );
  }

  serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined) {
    return readAll(this.#client.ServerStream({ response_size: size, response_count: count }), onMessage);
  }

  clientStream(count: number) {
    return new Promise<number>((resolve, reject) => {
      const call = this.#client.ClientStream((err, res) => (err ? reject(err) : resolve(res?.count ?? -1)));
      const payload = payloadOf(SMALL);
      writeAll(call, count, () => ({ payload }));
    });
  }

  pingPong(rounds: number) {
    const payload = payloadOf(SMALL);
    return pingPong(this.#client.PingPong(), rounds, () => ({ payload }));
  }

  openIdle(n: number) {
    for (let i = 0; i < n; i++) {
      const call = this.#client.Idle({});
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
  startServer: () => startGrpcServer((server) => server.addService(BenchService.service, implementation)),
  async connect(port) {
    const client = new BenchService(address(port), grpc.credentials.createInsecure()) as unknown as LoadedClient;
    await ready(client);
    return new Client(client);
  },
};
