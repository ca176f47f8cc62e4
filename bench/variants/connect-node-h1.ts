// connect-node's own Connect server: connectNodeAdapter on node:http (HTTP/1.1), serving the
// same BenchService implementation as the connect variant; the baseline of the Connect bench.
import { createServer } from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { BenchService } from "../gen/rpcgen/bench_pb.js";
import { implementation, listenOnLoopback } from "./connect.js";
import { connectProtocolVariant } from "./connect-protocol.js";

export const variant = connectProtocolVariant(async () => {
  const server = createServer(connectNodeAdapter({ routes: (router) => router.service(BenchService, implementation) }));
  return {
    port: await listenOnLoopback(server),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
});
