// Hand-written grpc-js with protobuf-es toBinary/fromBinary serializers: the transport and
// the codec and nothing else, so the baseline the generated code is held to. The serializer
// wraps the encoded bytes in a Buffer without copying them (the best a hand-writer can do).
// `glueWith` takes the codec, so glue-2.13.ts can run the same glue on protobuf-es 2.13.
import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  type BenchRequest,
  BenchRequestSchema,
  type BenchResponse,
  BenchResponseSchema,
} from "../gen/rpcgen/bench_pb.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import { serviceDefinition } from "./definition.js";
import { address, drained, holdIdle, pingPong, readAll, ready, startGrpcServer, writeAll } from "./grpc-common.js";
import { type BenchClient, idleStreams, type Variant } from "./types.js";

/** A protobuf-es codec: the bench messages to bytes and back. */
export interface GlueCodec {
  encode(schema: DescMessage, message: object): Uint8Array;
  decode(schema: DescMessage, bytes: Uint8Array): object;
  request: DescMessage;
  response: DescMessage;
}

const current: GlueCodec = {
  encode: (schema, message) => toBinary(schema, message as never),
  decode: (schema, bytes) => fromBinary(schema, bytes),
  request: BenchRequestSchema,
  response: BenchResponseSchema,
};

function codecDefinition(codec: GlueCodec) {
  const serialize = (schema: DescMessage) => (message: object) => {
    const bytes = codec.encode(schema, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  return serviceDefinition<BenchRequest, BenchResponse>({
    requestSerialize: serialize(codec.request),
    requestDeserialize: (bytes) => codec.decode(codec.request, bytes) as BenchRequest,
    responseSerialize: serialize(codec.response),
    responseDeserialize: (bytes) => codec.decode(codec.response, bytes) as BenchResponse,
  });
}

type Call<K extends "server" | "readable" | "duplex" | "unary"> = K extends "unary"
  ? grpc.ServerUnaryCall<BenchRequest, BenchResponse>
  : K extends "server"
    ? grpc.ServerWritableStream<BenchRequest, BenchResponse>
    : K extends "readable"
      ? grpc.ServerReadableStream<BenchRequest, BenchResponse>
      : grpc.ServerDuplexStream<BenchRequest, BenchResponse>;
type Callback = grpc.sendUnaryData<BenchResponse>;

const implementation = {
  unary(call: Call<"unary">, callback: Callback) {
    callback(null, create(BenchResponseSchema, { payload: payloadOf(call.request.responseSize) }));
  },
  async serverStream(call: Call<"server">) {
    const payload = payloadOf(call.request.responseSize);
    for (let i = 0; i < call.request.responseCount && !call.cancelled; i++) {
      if (!call.write(create(BenchResponseSchema, { payload }))) await drained(call);
    }
    if (!call.cancelled) call.end();
  },
  clientStream(call: Call<"readable">, callback: Callback) {
    let count = 0;
    call.on("data", () => count++);
    call.on("end", () => callback(null, create(BenchResponseSchema, { count })));
  },
  pingPong(call: Call<"duplex">) {
    call.on("data", (request: BenchRequest) => call.write(create(BenchResponseSchema, { payload: request.payload })));
    call.on("end", () => call.end());
  },
  idle(call: Call<"server">) {
    holdIdle(call, idleStreams);
  },
};

type GlueClient = grpc.Client & {
  unary(
    request: BenchRequest,
    callback: (err: grpc.ServiceError | null, res?: BenchResponse) => void,
  ): grpc.ClientUnaryCall;
  serverStream(request: BenchRequest): grpc.ClientReadableStream<BenchResponse>;
  clientStream(
    callback: (err: grpc.ServiceError | null, res?: BenchResponse) => void,
  ): grpc.ClientWritableStream<BenchRequest>;
  pingPong(): grpc.ClientDuplexStream<BenchRequest, BenchResponse>;
  idle(request: BenchRequest): grpc.ClientReadableStream<BenchResponse>;
};

class Client implements BenchClient {
  readonly #client: GlueClient;
  #idle: grpc.ClientReadableStream<BenchResponse>[] = [];

  constructor(client: GlueClient) {
    this.#client = client;
  }

  unary() {
    const request = create(BenchRequestSchema, { responseSize: SMALL, payload: payloadOf(SMALL) });
    return new Promise<void>((resolve, reject) =>
      this.#client.unary(request, (err) => (err ? reject(err) : resolve())),
    );
  }

  serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined) {
    const call = this.#client.serverStream(create(BenchRequestSchema, { responseSize: size, responseCount: count }));
    return readAll(call, onMessage);
  }

  clientStream(count: number) {
    return new Promise<number>((resolve, reject) => {
      const call = this.#client.clientStream((err, res) => (err ? reject(err) : resolve(res?.count ?? -1)));
      const payload = payloadOf(SMALL);
      writeAll(call, count, () => create(BenchRequestSchema, { payload }));
    });
  }

  pingPong(rounds: number) {
    const payload = payloadOf(SMALL);
    return pingPong(this.#client.pingPong(), rounds, () => create(BenchRequestSchema, { payload }));
  }

  openIdle(n: number) {
    for (let i = 0; i < n; i++) {
      const call = this.#client.idle(create(BenchRequestSchema));
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

export function glueWith(codec: GlueCodec): Variant {
  const definition = codecDefinition(codec);
  const GlueClientConstructor = grpc.makeGenericClientConstructor(definition, "bench.v1.BenchService");
  return {
    startServer: () => startGrpcServer((server) => server.addService(definition, implementation)),
    async connect(port) {
      const client = new GlueClientConstructor(
        address(port),
        grpc.credentials.createInsecure(),
      ) as unknown as GlueClient;
      await ready(client);
      return new Client(client);
    },
  };
}

export const variant: Variant = glueWith(current);
