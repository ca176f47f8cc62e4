// What the Connect-protocol variants share: connect-node's createConnectTransport over HTTP/1.1
// (what curl and browsers speak on rpcgen's gRPC port) or HTTP/2, calling unary methods with
// JSON and streams with binary envelopes. Only the server differs between variants.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { BenchService } from "../gen/rpcgen/bench_pb.js";
import { ConnectBenchClient } from "./connect-client.js";
import type { BenchServer, Variant } from "./types.js";

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
      return new ConnectBenchClient(json, binary, httpVersion === "2");
    },
  };
}
