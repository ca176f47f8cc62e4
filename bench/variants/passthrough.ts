// Hand-written grpc-js with pass-through Buffer serializers: messages are encoded once up front
// and sent as the same bytes every time, so this is the transport's own ceiling.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { BenchRequestSchema, BenchResponseSchema } from "../gen/rpcgen/bench_pb.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import { serviceDefinition } from "./definition.js";
import { address, drained, holdIdle, pingPong, readAll, ready, startGrpcServer, writeAll } from "./grpc-common.js";
import { type BenchClient, idleStreams, type Variant } from "./types.js";

const identity = (bytes: Buffer) => bytes;
const definition = serviceDefinition<Buffer, Buffer>({
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});

function encode(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const responses = new Map<number, Buffer>();
/** The encoded response with a payload of `size` bytes, made once per size. */
function responseOf(size: number): Buffer {
  let bytes = responses.get(size);
  if (bytes === undefined) {
    bytes = encode(toBinary(BenchResponseSchema, create(BenchResponseSchema, { payload: payloadOf(size) })));
    responses.set(size, bytes);
  }
  return bytes;
}

const SMALL_REQUEST = encode(
  toBinary(BenchRequestSchema, create(BenchRequestSchema, { responseSize: SMALL, payload: payloadOf(SMALL) })),
);
const PING = encode(toBinary(BenchRequestSchema, create(BenchRequestSchema, { payload: payloadOf(SMALL) })));

const implementation = {
  unary(_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
    callback(null, responseOf(SMALL));
  },
  async serverStream(call: grpc.ServerWritableStream<Buffer, Buffer>) {
    // One decode per call, to learn the size and count asked for.
    const { responseSize, responseCount } = fromBinary(BenchRequestSchema, call.request);
    const response = responseOf(responseSize);
    for (let i = 0; i < responseCount && !call.cancelled; i++) {
      if (!call.write(response)) await drained(call);
    }
    if (!call.cancelled) call.end();
  },
  clientStream(call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
    let count = 0;
    call.on("data", () => count++);
    call.on("end", () => callback(null, encode(toBinary(BenchResponseSchema, create(BenchResponseSchema, { count })))));
  },
  pingPong(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
    const response = responseOf(SMALL);
    call.on("data", () => call.write(response));
    call.on("end", () => call.end());
  },
  idle(call: grpc.ServerWritableStream<Buffer, Buffer>) {
    holdIdle(call, idleStreams);
  },
};

type RawCallback = (err: grpc.ServiceError | null, res?: Buffer) => void;
type RawClient = grpc.Client & {
  unary(request: Buffer, callback: RawCallback): grpc.ClientUnaryCall;
  serverStream(request: Buffer): grpc.ClientReadableStream<Buffer>;
  clientStream(callback: RawCallback): grpc.ClientWritableStream<Buffer>;
  pingPong(): grpc.ClientDuplexStream<Buffer, Buffer>;
  idle(request: Buffer): grpc.ClientReadableStream<Buffer>;
};

const RawClientConstructor = grpc.makeGenericClientConstructor(definition, "bench.v1.BenchService");

class Client implements BenchClient {
  readonly #client: RawClient;
  #idle: grpc.ClientReadableStream<Buffer>[] = [];

  constructor(client: RawClient) {
    this.#client = client;
  }

  unary() {
    return new Promise<void>((resolve, reject) =>
      this.#client.unary(SMALL_REQUEST, (err) => (err ? reject(err) : resolve())),
    );
  }

  serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined) {
    const request = encode(
      toBinary(BenchRequestSchema, create(BenchRequestSchema, { responseSize: size, responseCount: count })),
    );
    return readAll(this.#client.serverStream(request), onMessage);
  }

  clientStream(count: number) {
    return new Promise<number>((resolve, reject) => {
      const call = this.#client.clientStream((err, res) =>
        err || res === undefined ? reject(err) : resolve(fromBinary(BenchResponseSchema, res).count),
      );
      writeAll(call, count, () => PING);
    });
  }

  pingPong(rounds: number) {
    return pingPong(this.#client.pingPong(), rounds, () => PING);
  }

  openIdle(n: number) {
    const request = encode(toBinary(BenchRequestSchema, create(BenchRequestSchema)));
    for (let i = 0; i < n; i++) {
      const call = this.#client.idle(request);
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
  startServer: () => startGrpcServer((server) => server.addService(definition, implementation)),
  async connect(port) {
    const client = new RawClientConstructor(address(port), grpc.credentials.createInsecure()) as unknown as RawClient;
    await ready(client);
    return new Client(client);
  },
};
