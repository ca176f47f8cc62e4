// What the Connect-protocol variants share: connect-node's createConnectTransport over HTTP/1.1
// (what curl and browsers speak on rpcgen's gRPC port) or HTTP/2, calling unary methods with
// JSON and streams with binary envelopes. Only the server differs between variants.
import { setMaxListeners } from "node:events";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Client as ConnectClient, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { type BenchRequestSchema, BenchService } from "../gen/rpcgen/bench_pb.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import { Pushable } from "../lib/pushable.js";
import type { BenchClient, BenchServer, Variant } from "./types.js";

class Client implements BenchClient {
  readonly #json: ConnectClient<typeof BenchService>;
  readonly #binary: ConnectClient<typeof BenchService>;
  readonly #http2: boolean;
  #idle: AbortController | undefined;

  constructor(json: ConnectClient<typeof BenchService>, binary: ConnectClient<typeof BenchService>, http2: boolean) {
    this.#json = json;
    this.#binary = binary;
    this.#http2 = http2;
  }

  async unary() {
    await this.#json.unary({ responseSize: SMALL, payload: payloadOf(SMALL) });
  }

  async serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined) {
    let n = 0;
    for await (const _ of this.#binary.serverStream({ responseSize: size, responseCount: count })) {
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
    return (await this.#binary.clientStream(requests())).count;
  }

  async pingPong(rounds: number) {
    if (!this.#http2) throw new Error("bidi streaming needs HTTP/2; use --protocol connect-h2");
    const requests = new Pushable<MessageInitShape<typeof BenchRequestSchema>>();
    const responses = this.#binary.pingPong(requests)[Symbol.asyncIterator]();
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
    setMaxListeners(0, signal);
    for (let i = 0; i < n; i++) {
      this.#binary
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

/** A variant whose server `startServer` starts and whose client speaks Connect over `httpVersion`. */
export function connectProtocolVariant(
  startServer: () => Promise<BenchServer>,
  httpVersion: "1.1" | "2" = "1.1",
): Variant {
  return {
    startServer,
    async connect(port) {
      // acceptCompression: [] keeps every server from gzipping: connect-node's server compresses
      // messages over 1 KiB for a client that accepts gzip (the transport's default), which
      // would measure zlib rather than the protocol.
      const transport = (useBinaryFormat: boolean) =>
        createConnectTransport({
          baseUrl: `http://127.0.0.1:${port}`,
          httpVersion,
          useBinaryFormat,
          acceptCompression: [],
        });
      const json = createClient(BenchService, transport(false));
      const binary = createClient(BenchService, transport(true));
      // Both answer before anything is measured (and open their first connection).
      await json.unary({});
      await binary.unary({});
      return new Client(json, binary, httpVersion === "2");
    },
  };
}
