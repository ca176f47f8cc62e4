import type * as http2 from "node:http2";
import type * as grpc from "@grpc/grpc-js";

type StreamListener = (
  this: http2.Http2Server,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  ...rest: unknown[]
) => void;

/**
 * grpc-js answers every HTTP/2 stream that is not `application/grpc` with 415, and it owns the
 * HTTP/2 server of a connection injector, with no hook for other content types. This finds that
 * server (the one `createConnectionInjector` just added to grpc-js's private `http2Servers`) and
 * puts a router in front of grpc-js's one 'stream' listener: gRPC streams go on to grpc-js,
 * every other stream becomes a `request` for `onRequest` (Node's compat API). So Connect over
 * HTTP/2 works on the gRPC port too, stream by stream, on the same connection. Sessions stay
 * grpc-js's: its keepalive, limits, channelz and shutdown cover them.
 * The control tests in test/connect/connect-protocol.test.ts fail if grpc-js changes what this
 * relies on. Returns that HTTP/2 server.
 */
export function routeOtherStreams(
  server: grpc.Server,
  onRequest: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
): http2.Http2Server {
  const servers = (server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
  const h2 = servers === undefined ? undefined : [...servers.keys()].at(-1);
  const listeners = h2?.listeners("stream") as StreamListener[] | undefined;
  if (h2 === undefined || listeners?.length !== 1) {
    throw new Error("this grpc-js version keeps its HTTP/2 servers differently; listen() cannot share the port");
  }
  const grpcStream = listeners[0] as StreamListener;
  // Adding the first 'request' listener makes Node add its compat 'stream' listener.
  h2.on("request", onRequest);
  const compatStream = (h2.listeners("stream") as StreamListener[]).find((l) => l !== grpcStream);
  if (compatStream === undefined) throw new Error("node:http2 did not set up its compat API");
  h2.removeAllListeners("stream");
  h2.on("stream", function route(this: http2.Http2Server, stream, headers, ...rest) {
    const type = headers["content-type"];
    const to = typeof type === "string" && type.startsWith("application/grpc") ? grpcStream : compatStream;
    to.call(this, stream, headers, ...rest);
  } as StreamListener);
  return h2;
}
