// The interop test cases of doc/interop-test-descriptions.md (grpc/grpc), each a function that
// throws an Error saying what differed. Sizes, metadata keys and values are the spec's.
import { create } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "@rpcgen/runtime";
import { PayloadSchema, PayloadType, type SimpleResponse } from "./gen/grpc/testing/messages_pb.js";
import type { TestServiceClient, UnimplementedServiceClient } from "./gen/grpc/testing/test_rpc.js";

export interface Clients {
  test: TestServiceClient;
  unimplemented: UnimplementedServiceClient;
}

const zeros = (size: number) => create(PayloadSchema, { type: PayloadType.COMPRESSABLE, body: new Uint8Array(size) });

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

function checkPayload(what: string, body: Uint8Array | undefined, size: number): void {
  check(body !== undefined, `${what}: no payload`);
  check(body.length === size, `${what}: payload of ${body.length} bytes, want ${size}`);
  check(
    body.every((b) => b === 0),
    `${what}: payload is not all zeros`,
  );
}

/** Runs `call` and returns its RpcError; fails if it succeeds. */
async function failure(what: string, call: () => Promise<unknown>): Promise<RpcError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error(`${what}: succeeded, want an error`);
}

function checkStatus(what: string, err: RpcError, code: Code, message?: string): void {
  check(err.code === code, `${what}: status ${err.codeName} (${JSON.stringify(err.message)}), want ${Code[code]}`);
  if (message !== undefined) {
    check(err.message === message, `${what}: message ${JSON.stringify(err.message)}, want ${JSON.stringify(message)}`);
  }
}

const REQUEST_SIZES = [27182, 8, 1828, 45904];
const RESPONSE_SIZES = [31415, 9, 2653, 58979];
const ECHO_INITIAL = "x-grpc-test-echo-initial";
const ECHO_TRAILING = "x-grpc-test-echo-trailing-bin";
const INITIAL_VALUE = "test_initial_metadata_value";
const TRAILING_VALUE = Uint8Array.of(0xab, 0xab, 0xab);

function checkEchoedMetadata(what: string, header: grpc.Metadata, trailer: grpc.Metadata): void {
  const initial = header.get(ECHO_INITIAL);
  check(
    initial.length === 1 && initial[0] === INITIAL_VALUE,
    `${what}: header ${ECHO_INITIAL} is ${JSON.stringify(initial)}`,
  );
  const trailing = trailer.get(ECHO_TRAILING)[0];
  check(
    trailing instanceof Uint8Array && Buffer.from(trailing).equals(Buffer.from(TRAILING_VALUE)),
    `${what}: trailer ${ECHO_TRAILING} is ${trailing === undefined ? "missing" : Buffer.from(trailing).toString("hex")}`,
  );
}

export const testCases: Record<string, (c: Clients) => Promise<void>> = {
  async empty_unary({ test }) {
    const res = await test.emptyCall({});
    check(res.$typeName === "grpc.testing.Empty", "empty_unary: response is not a grpc.testing.Empty");
  },

  async large_unary({ test }) {
    const res = await test.unaryCall({
      responseType: PayloadType.COMPRESSABLE,
      responseSize: 314159,
      payload: zeros(271828),
    });
    check(res.payload?.type === PayloadType.COMPRESSABLE, "large_unary: payload type is not COMPRESSABLE");
    checkPayload("large_unary", res.payload?.body, 314159);
  },

  async client_streaming({ test }) {
    const res = await test.streamingInputCall(REQUEST_SIZES.map((size) => ({ payload: zeros(size) })));
    check(
      res.aggregatedPayloadSize === 74922,
      `client_streaming: aggregated size ${res.aggregatedPayloadSize}, want 74922`,
    );
  },

  async server_streaming({ test }) {
    const sizes: number[] = [];
    const call = test.streamingOutputCall({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: RESPONSE_SIZES.map((size) => ({ size })),
    });
    for await (const r of call) {
      checkPayload(`server_streaming response ${sizes.length}`, r.payload?.body, RESPONSE_SIZES[sizes.length] ?? -1);
      sizes.push(r.payload?.body.length ?? 0);
    }
    check(sizes.length === 4, `server_streaming: ${sizes.length} responses, want 4`);
  },

  async ping_pong({ test }) {
    const call = test.fullDuplexCall();
    for (let i = 0; i < 4; i++) {
      await call.send({
        responseType: PayloadType.COMPRESSABLE,
        responseParameters: [{ size: RESPONSE_SIZES[i] as number }],
        payload: zeros(REQUEST_SIZES[i] as number),
      });
      const r = await call.recv();
      check(r !== undefined, `ping_pong: stream ended after ${i} responses`);
      checkPayload(`ping_pong response ${i}`, r.payload?.body, RESPONSE_SIZES[i] as number);
    }
    call.closeSend();
    check((await call.recv()) === undefined, "ping_pong: more responses after the client closed");
  },

  async empty_stream({ test }) {
    const call = test.fullDuplexCall();
    call.closeSend();
    check((await call.recv()) === undefined, "empty_stream: got a response");
  },

  async status_code_and_message({ test }) {
    const responseStatus = { code: 2, message: "test status message" };
    checkStatus(
      "status_code_and_message UnaryCall",
      await failure("UnaryCall", () => test.unaryCall({ responseStatus })),
      Code.UNKNOWN,
      responseStatus.message,
    );
    const err = await failure("FullDuplexCall", async () => {
      const call = test.fullDuplexCall();
      await call.send({ responseStatus });
      call.closeSend();
      for await (const _ of call);
    });
    checkStatus("status_code_and_message FullDuplexCall", err, Code.UNKNOWN, responseStatus.message);
  },

  async special_status_message({ test }) {
    const message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n";
    const err = await failure("UnaryCall", () => test.unaryCall({ responseStatus: { code: 2, message } }));
    checkStatus("special_status_message", err, Code.UNKNOWN, message);
  },

  async custom_metadata({ test }) {
    const metadata = { [ECHO_INITIAL]: INITIAL_VALUE, [ECHO_TRAILING]: TRAILING_VALUE };
    let header: grpc.Metadata | undefined;
    let trailer: grpc.Metadata | undefined;
    const res: SimpleResponse = await test.unaryCall(
      { responseType: PayloadType.COMPRESSABLE, responseSize: 314159, payload: zeros(271828) },
      { metadata, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    checkPayload("custom_metadata UnaryCall", res.payload?.body, 314159);
    check(header !== undefined && trailer !== undefined, "custom_metadata UnaryCall: no header or trailer");
    checkEchoedMetadata("custom_metadata UnaryCall", header, trailer);

    const call = test.fullDuplexCall({ metadata });
    await call.send({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: [{ size: 314159 }],
      payload: zeros(271828),
    });
    call.closeSend();
    let n = 0;
    for await (const r of call) checkPayload(`custom_metadata FullDuplexCall response ${n++}`, r.payload?.body, 314159);
    check(n === 1, `custom_metadata FullDuplexCall: ${n} responses, want 1`);
    checkEchoedMetadata("custom_metadata FullDuplexCall", await call.header(), await call.trailer());
  },

  async timeout_on_sleeping_server({ test }) {
    const err = await failure("FullDuplexCall", async () => {
      const call = test.fullDuplexCall({ timeoutMs: 1 });
      // The deadline may pass before or after the send; either way the call must end with it.
      await call.send({ payload: zeros(27182) }).catch(() => {});
      for await (const _ of call);
    });
    checkStatus("timeout_on_sleeping_server", err, Code.DEADLINE_EXCEEDED);
  },

  async cancel_after_begin({ test }) {
    const call = test.streamingInputCall();
    call.cancel();
    checkStatus("cancel_after_begin", await failure("StreamingInputCall", () => call.closeAndRecv()), Code.CANCELLED);
  },

  async cancel_after_first_response({ test }) {
    const call = test.fullDuplexCall();
    await call.send({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: [{ size: 31415 }],
      payload: zeros(27182),
    });
    const first = await call.recv();
    checkPayload("cancel_after_first_response", first?.payload?.body, 31415);
    call.cancel();
    checkStatus("cancel_after_first_response", await failure("recv", () => call.recv()), Code.CANCELLED);
  },

  async unimplemented_method({ test }) {
    checkStatus(
      "unimplemented_method",
      await failure("UnimplementedCall", () => test.unimplementedCall({})),
      Code.UNIMPLEMENTED,
    );
  },

  async unimplemented_service({ unimplemented }) {
    const err = await failure("UnimplementedService.UnimplementedCall", () => unimplemented.unimplementedCall({}));
    checkStatus("unimplemented_service", err, Code.UNIMPLEMENTED);
  },
};
