// connect-node's own Connect server: connectNodeAdapter on node:http (HTTP/1.1), serving the
// same BenchService implementation as the connect variant; the baseline of the Connect bench.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { BenchService } from "../gen/rpcgen/bench_pb.js";
import { implementation } from "./connect.js";
import { connectProtocolVariant } from "./connect-protocol.js";

export const variant = connectProtocolVariant(async () => {
  const server = createServer(connectNodeAdapter({ routes: (router) => router.service(BenchService, implementation) }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
});
