// What the Connect-protocol variants share: connect-node's createConnectTransport over HTTP/1.1
// (the protocol curl and browsers speak on rpcgen's gRPC port), calling unary methods with JSON
// and server streams with binary envelopes. Only the server differs between variants.
import { setMaxListeners } from "node:events";
import { type Client as ConnectClient, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { BenchService } from "../gen/rpcgen/bench_pb.js";
import { payloadOf, SMALL } from "../lib/payload.js";
import type { BenchClient, BenchServer, Variant } from "./types.js";

class Client implements BenchClient {
  readonly #json: ConnectClient<typeof BenchService>;
  readonly #binary: ConnectClient<typeof BenchService>;
  #idle: AbortController | undefined;

  constructor(json: ConnectClient<typeof BenchService>, binary: ConnectClient<typeof BenchService>) {
    this.#json = json;
    this.#binary = binary;
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

  clientStream(): Promise<number> {
    return Promise.reject(new Error("client streaming needs HTTP/2; the Connect variants run over HTTP/1.1"));
  }

  pingPong(): Promise<void> {
    return Promise.reject(new Error("bidi streaming needs HTTP/2; the Connect variants run over HTTP/1.1"));
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

/** A variant whose server `startServer` starts and whose client speaks Connect over HTTP/1.1. */
export function connectProtocolVariant(startServer: () => Promise<BenchServer>): Variant {
  return {
    startServer,
    async connect(port) {
      // acceptCompression: [] keeps every server from gzipping: connect-node's server compresses
      // messages over 1 KiB for a client that accepts gzip (the transport's default), which
      // would measure zlib rather than the protocol.
      const transport = (useBinaryFormat: boolean) =>
        createConnectTransport({
          baseUrl: `http://127.0.0.1:${port}`,
          httpVersion: "1.1",
          useBinaryFormat,
          acceptCompression: [],
        });
      const json = createClient(BenchService, transport(false));
      const binary = createClient(BenchService, transport(true));
      // Both answer before anything is measured (and open their first connection).
      await json.unary({});
      await binary.unary({});
      return new Client(json, binary);
    },
  };
}
