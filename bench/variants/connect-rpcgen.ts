// rpcgen's Connect side: the generated registerBenchServiceServer on a grpc-js server, served
// by listen() on one port, where HTTP/1.1 connections and the HTTP/2 streams that are not gRPC
// speak Connect. The same implementation the rpcgen variant serves over gRPC.
import * as grpc from "@grpc/grpc-js";
import { listen } from "@rpcgen/runtime";
import { registerBenchServiceServer } from "../gen/rpcgen/bench_rpc.js";
import { connectProtocolVariant } from "./connect-protocol.js";
import { BenchServiceImpl } from "./rpcgen.js";

async function startServer() {
  const server = new grpc.Server();
  registerBenchServiceServer(server, new BenchServiceImpl());
  const listening = await listen(server, "127.0.0.1:0");
  return {
    port: listening.port,
    async stop() {
      listening.close();
    },
  };
}

export const variant = connectProtocolVariant(startServer);
/** The same server called over HTTP/2: grpc-js's sessions hand the Connect streams to listen()'s handler. */
export const h2Variant = connectProtocolVariant(startServer, "2");
