import type * as grpc from "@grpc/grpc-js";
import type { Code } from "../shared/rpc-error.js";

/** A call as the protocol-neutral middleware sees it, before the handler runs. */
export interface CallInfo {
  /** `"connect"` for the Connect protocol (JSON or binary over HTTP), `"grpc"` otherwise. */
  readonly protocol: "grpc" | "connect";
  /** The full method name, e.g. `/helloworld.Greeter/SayHello`. */
  readonly method: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** Request headers, as gRPC metadata. */
  readonly metadata: grpc.Metadata;
  /** The client's address, e.g. `ipv4:127.0.0.1:53012`. */
  readonly peer: string;
  /** The server's side of the connection. */
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** The client's side of the connection. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Calls `listener` for each message of a streaming call, as it is sent or received. */
  onMessage(listener: (type: "SENT" | "RECEIVED") => void): void;
}

/** How a call ended, as its status. */
export interface CallOutcome {
  readonly code: Code;
  readonly details: string;
}

/**
 * Protocol-neutral server middleware: `next()` runs the rest of the chain and the handler and
 * resolves with the call's outcome once it has ended (it never rejects). A middleware may
 * answer without calling `next()` (a rejected token), wrap it (a span, a timer), or throw an
 * RpcError, which becomes the call's status.
 */
export type CallMiddleware = (call: CallInfo, next: () => Promise<CallOutcome>) => Promise<CallOutcome>;

const MIDDLEWARE = Symbol.for("rpcgen.callMiddleware");

type WithMiddleware = grpc.ServerInterceptor & { [MIDDLEWARE]?: CallMiddleware };

/**
 * Gives a grpc-js server interceptor its counterpart for Connect calls, so that one
 * `interceptors` list configures both protocols. rpcgen's own interceptors (`bearerAuth`,
 * `observeServerCalls`, `traceServerCalls`) come with theirs; `listen()` refuses a server
 * whose interceptors lack one, since Connect calls would silently skip them.
 */
export function withCallMiddleware(
  interceptor: grpc.ServerInterceptor,
  middleware: CallMiddleware,
): grpc.ServerInterceptor {
  (interceptor as WithMiddleware)[MIDDLEWARE] = middleware;
  return interceptor;
}

/** The Connect counterpart of `interceptor`, if it has one. */
export function callMiddlewareOf(interceptor: grpc.ServerInterceptor): CallMiddleware | undefined {
  return (interceptor as WithMiddleware)[MIDDLEWARE];
}
