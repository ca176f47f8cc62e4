// send() on client and bidi streams under back-pressure, against a fake grpc-js call: every
// wait for 'drain' must leave nothing behind on the call or its status (issue 8, memory).
// The runtime's internals, from its sources: RpcError too, so that instanceof sees one class.
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ClientWriteEnd } from "../../packages/runtime/src/client/stream-calls.js";
import { writeMessage } from "../../packages/runtime/src/shared/message-writer.js";
import { Code, RpcError } from "../../packages/runtime/src/shared/rpc-error.js";
import { EchoRequestSchema } from "../golden/ts/fixtures/echo_pb.js";

/** A call whose every write fills the buffer; it drains on the next turn unless told not to. */
class FakeCall extends EventEmitter {
  writes = 0;
  drains = true;
  write(): boolean {
    this.writes++;
    if (this.drains) setImmediate(() => this.emit("drain"));
    return false;
  }
  end(): void {}
  cancel(): void {}
}

/** A status promise that counts the reactions added to it. */
function countedStatus() {
  let settle!: (s: grpc.StatusObject) => void;
  const status = new Promise<grpc.StatusObject>((resolve) => {
    settle = resolve;
  });
  const counter = { thens: 0 };
  const then = status.then.bind(status);
  Object.assign(status, {
    // biome-ignore lint/suspicious/noThenProperty: wraps the promise's own then, to count reactions
    then: (...args: Parameters<typeof then>) => {
      counter.thens++;
      return then(...args);
    },
  });
  return { status, settle, counter };
}

const statusOf = (code: grpc.status): grpc.StatusObject => ({ code, details: "", metadata: new grpc.Metadata() });

describe("writeMessage under back-pressure", () => {
  it("adds no reaction to the call's status and leaves no listener per wait", async () => {
    const call = new FakeCall();
    const { status, counter } = countedStatus();
    const state = new ClientWriteEnd(call, status);
    for (let i = 0; i < 1000; i++) await writeMessage(call, EchoRequestSchema, state, { text: "x" });
    expect(call.writes).toBe(1000);
    expect(counter.thens).toBe(1); // ClientWriteEnd's own, once per call
    expect(call.listenerCount("drain")).toBe(0);
    expect(state.waiting).toBe(0);
  });

  it("fails every waiting send with the call's error when the call ends instead of draining", async () => {
    const call = new FakeCall();
    call.drains = false;
    const { status, settle } = countedStatus();
    const state = new ClientWriteEnd(call, status);
    const sends = [1, 2].map(() => writeMessage(call, EchoRequestSchema, state, { text: "x" }));
    settle(statusOf(grpc.status.UNAVAILABLE));
    for (const send of sends) {
      const err = await send.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(Code.UNAVAILABLE);
    }
    expect(call.listenerCount("drain")).toBe(0);
    expect(state.waiting).toBe(0);
  });

  it("resolves a waiting send when the server answers OK first, and sends nothing after", async () => {
    const call = new FakeCall();
    call.drains = false;
    const { status, settle } = countedStatus();
    const state = new ClientWriteEnd(call, status);
    const send = writeMessage(call, EchoRequestSchema, state, { text: "x" });
    settle(statusOf(grpc.status.OK));
    await expect(send).resolves.toBeUndefined();
    await writeMessage(call, EchoRequestSchema, state, { text: "late" });
    expect(call.writes).toBe(1);
  });
});
