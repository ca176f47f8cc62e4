import type * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as tls from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { type ServerTlsOptions, serverTlsCredentials } from "../shared/tls.js";
import { routeOtherStreams } from "../upstream/grpc-stream-router.js";
import { type ConnectHandler, type ConnectOptions, connectHandler } from "./connect/connect-handler.js";
import { Http2Sessions } from "./http2-sessions.js";
import { serverState } from "./server-state.js";

export interface ListenOptions {
  /**
   * TLS (mutual with `clientCa`) for every protocol on the port. Connections are routed by
   * ALPN: `h2` to grpc-js, `http/1.1` (or none) to Connect.
   */
  tls?: ServerTlsOptions;
  /**
   * The Connect protocol beside gRPC (default on), on the same port. `port` opens a second
   * port that serves Connect alone (HTTP/1.1 and HTTP/2), e.g. to expose only Connect through a
   * proxy. `false`: gRPC only.
   */
  connect?: (ConnectOptions & { port?: number }) | false;
}

/** Where `listen` listens. */
export interface Listening {
  readonly host: string;
  readonly port: number;
  /** The Connect-only port, if `connect.port` asked for one. */
  readonly connectPort: number | undefined;
  /** Stops listening and closes every connection at once; `shutdownGracefully(server)` drains instead. */
  close(): void;
}

/** Connections that send nothing are dropped after this long, before any protocol has them. */
const FIRST_BYTES_MS = 30_000;

/**
 * Serves `server` on `address` (`host:port`; port 0 picks a free one): gRPC, and the Connect
 * protocol from the same handlers, so that `curl`, `fetch`, Python's standard library and
 * `buf curl --protocol connect` can call the service. HTTP/2 connections (the client preface,
 * or ALPN `h2`) go to grpc-js, which keeps its own flow control, keepalive, limits and
 * channelz, and hands on every stream that is not `application/grpc` to the Connect handler
 * (see upstream/grpc-stream-router.ts); HTTP/1.1 connections go to the Connect handler.
 *
 * The server's interceptors run for both protocols: rpcgen's own (`bearerAuth`,
 * `observeServerCalls`, `traceServerCalls`) carry a Connect counterpart, and an interceptor
 * without one makes `listen` throw (see `withCallMiddleware`). `shutdownGracefully(server)`
 * drains both protocols.
 *
 * ```ts
 * const { port } = await listen(server, "127.0.0.1:50051");
 * // curl http://127.0.0.1:50051/greeter.v1.Greeter/SayHello -H 'content-type: application/json' -d '{"name":"world"}'
 * ```
 */
export async function listen(server: grpc.Server, address: string, options: ListenOptions = {}): Promise<Listening> {
  const { host, port } = parseAddress(address);
  if (options.connect === false) return bindGrpcOnly(server, host, port, options.tls);
  const connect = options.connect ?? {};
  const handler = connectHandler(server, connect);
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  // grpc-js's tryShutdown closes these sessions (GOAWAY) but cannot wait for them: the
  // injector's server never listened, so its close() calls back at once, and grpc-js has
  // marked the sessions closing already, so its wait per session calls back at once too.
  const grpcSessions = new Http2Sessions(routeOtherStreams(server, handler));
  const sides = new ConnectSides(handler);
  const listeners: net.Server[] = [];
  const main = routedListener(options.tls, (socket, h2) =>
    h2 ? injector.injectConnection(socket) : sides.http1.emit("connection", socket),
  );
  listeners.push(main);
  const bound = await listenOn(main, host, port);
  let connectPort: number | undefined;
  if (connect.port !== undefined) {
    const extra = routedListener(options.tls, (socket, h2) =>
      (h2 ? sides.http2 : sides.http1).emit("connection", socket),
    );
    listeners.push(extra);
    connectPort = await listenOn(extra, host, connect.port).catch((err: unknown) => {
      main.close();
      throw err;
    });
  }
  const closeListeners = () => {
    for (const listener of listeners) listener.close();
  };
  const state = serverState(server);
  const extraListener = {
    drain: () => {
      closeListeners();
      return Promise.all([sides.drain(), grpcSessions.close()]).then(() => undefined);
    },
    destroy: () => {
      closeListeners();
      sides.destroy();
    },
  };
  state.listeners.add(extraListener);
  return {
    host,
    port: bound,
    connectPort,
    close: () => {
      state.listeners.delete(extraListener);
      extraListener.destroy();
      injector.destroy();
    },
  };
}

/**
 * The Connect handler behind an HTTP/1.1 server and an HTTP/2 one, neither listening itself:
 * connections are handed to them. Draining stops keep-alive, sends HTTP/2 GOAWAY, and waits for
 * the calls in progress.
 */
class ConnectSides {
  readonly http1: http.Server;
  readonly http2: http2.Http2Server;
  readonly #handler: ConnectHandler;
  readonly #sessions: Http2Sessions;
  #draining = false;

  constructor(handler: ConnectHandler) {
    this.#handler = handler;
    // The module object grpc-js has loaded already. An ESM import of node:http would evaluate
    // all its exports, and the lazy WebSocket ones load undici: 1.4 MB more heap, marked again
    // by every major collection, and 26 ms of start-up (bench/README.md).
    const { createServer } = process.getBuiltinModule("node:http");
    this.http1 = createServer((req, res) => {
      if (this.#draining) res.setHeader("connection", "close");
      handler(req, res);
    });
    this.http2 = http2.createServer((req, res) => handler(req, res));
    this.#sessions = new Http2Sessions(this.http2);
  }

  drain(): Promise<void> {
    this.#draining = true;
    this.http1.closeIdleConnections();
    const sessions = this.#sessions.close();
    const calls = new Promise<void>((resolve) => {
      const done = () => {
        this.#handler.onIdle = undefined;
        this.http1.closeAllConnections();
        resolve();
      };
      if (this.#handler.open.size === 0) return done();
      this.#handler.onIdle = done;
    });
    return Promise.all([calls, sessions]).then(() => undefined);
  }

  destroy(): void {
    this.#draining = true;
    this.http1.closeAllConnections();
    this.#sessions.destroy();
  }
}

/**
 * A listener that hands each connection on with its protocol: by ALPN with TLS, else by its
 * first bytes (the HTTP/2 client preface starts `PRI `, which no HTTP/1.1 request line does).
 */
function routedListener(
  tlsOptions: ServerTlsOptions | undefined,
  route: (socket: net.Socket, h2: boolean) => void,
): net.Server {
  if (tlsOptions !== undefined) {
    const server = tls.createServer({
      key: tlsOptions.privateKey as string | Buffer,
      cert: tlsOptions.certChain as string | Buffer,
      ...(tlsOptions.clientCa === undefined
        ? {}
        : { ca: tlsOptions.clientCa as string | Buffer, requestCert: true, rejectUnauthorized: true }),
      ALPNProtocols: ["h2", "http/1.1"],
    });
    server.on("secureConnection", (socket) => route(socket, socket.alpnProtocol === "h2"));
    // A failed handshake is the client's problem, not the server's.
    server.on("tlsClientError", (_err, socket) => socket.destroy());
    return server;
  }
  return net.createServer((socket) => {
    // A reset before the first bytes must not become an unhandled 'error'.
    socket.on("error", () => socket.destroy());
    socket.setTimeout(FIRST_BYTES_MS, () => socket.destroy());
    let first: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      first = first.length === 0 ? chunk : Buffer.concat([first, chunk]);
      // Bytes may trickle in (a proxy, a slow link): decide once they can tell, not on the first chunk.
      const seen = first.subarray(0, PREFACE.length);
      const h2 = seen.equals(PREFACE.subarray(0, seen.length));
      if (h2 && seen.length < PREFACE.length) return;
      socket.off("data", onData);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      route(socket, h2);
      // HTTP/2 reads what was put back itself; the HTTP/1.1 parser needs the flow resumed.
      if (!h2) socket.resume();
    };
    socket.on("data", onData);
  });
}

/** The start of the HTTP/2 client preface; no HTTP/1.1 request line starts so. */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n", "latin1");

function listenOn(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

async function bindGrpcOnly(
  server: grpc.Server,
  host: string,
  port: number,
  tlsOptions: ServerTlsOptions | undefined,
): Promise<Listening> {
  const credentials =
    tlsOptions === undefined ? grpc.ServerCredentials.createInsecure() : serverTlsCredentials(tlsOptions);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${hostPart}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { host, port: bound, connectPort: undefined, close: () => server.unbind(`${hostPart}:${bound}`) };
}

/** `host:port`, `[v6]:port`, or `v6:port` (`:::50051`: the port is after the last colon). */
function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|(.*)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) throw new TypeError(`address "${address}" is not host:port`);
  return { host: match[1] ?? match[2] ?? "", port };
}
