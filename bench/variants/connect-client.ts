// The bench client of every connect-node transport (gRPC over HTTP/2, or the Connect protocol
// over HTTP/1.1 or HTTP/2): unary calls on one client, streams on another (the same one for gRPC;
// JSON and binary for the Connect protocol), and client and bidi streams only over HTTP/2.
import { setMaxListeners } from "node:events";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client as ConnectClient } from "@connectrpc/connect";
import type { BenchRequestSchema, BenchService } from "../gen/rpcgen/bench_pb.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import { Pushable } from "../lib/pushable.js";
import type { BenchClient } from "./types.js";

export class ConnectBenchClient implements BenchClient {
  readonly #unaries: ConnectClient<typeof BenchService>;
  readonly #streams: ConnectClient<typeof BenchService>;
  readonly #http2: boolean;
  #idle: AbortController | undefined;

  /** `unaries` makes the unary calls, `streams` the streaming ones. */
  constructor(
    unaries: ConnectClient<typeof BenchService>,
    streams: ConnectClient<typeof BenchService>,
    http2: boolean,
  ) {
    this.#unaries = unaries;
    this.#streams = streams;
    this.#http2 = http2;
  }

  async unary() {
    await this.#unaries.unary({ responseSize: SMALL, payload: payloadOf(SMALL) });
  }

  async serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined) {
    let n = 0;
    for await (const _ of this.#streams.serverStream({ responseSize: size, responseCount: count })) {
      n++;
      const wait = onMessage?.(n);
      if (wait !== undefined) await wait;
    }
    return n;
  }

  async clientStream(count: number) {
    if (!this.#http2)
      throw new Error("the HTTP/1.1 variants measure unary and server streams; use --protocol connect-h2");
    const payload = payloadOf(SMALL);
    async function* requests() {
      for (let i = 0; i < count; i++) yield { payload };
    }
    return (await this.#streams.clientStream(requests())).count;
  }

  async pingPong(rounds: number) {
    if (!this.#http2) throw new Error("bidi streaming needs HTTP/2; use --protocol connect-h2");
    const requests = new Pushable<MessageInitShape<typeof BenchRequestSchema>>();
    const responses = this.#streams.pingPong(requests)[Symbol.asyncIterator]();
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
      this.#streams
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
