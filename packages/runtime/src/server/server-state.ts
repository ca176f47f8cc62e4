import type { DescMessage, DescService } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import type { RpcMethod } from "../shared/method-definition.js";

/** A call in progress, which graceful shutdown can end with a status. */
export interface OpenCall {
  /** Streams are ended after the grace period; unary calls only when shutdown is forced. */
  readonly streaming: boolean;
  end(status: grpc.StatusObject): void;
}

/** A handler as `registerService` mounted it, for the protocols other than gRPC. */
export interface Route {
  readonly method: RpcMethod<DescMessage, DescMessage>;
  /** The implementation's method bound to it, or one that throws UNIMPLEMENTED. */
  readonly handler: (...args: never[]) => unknown;
}

/** A listener besides grpc-js's own (the Connect side of `listen()`), which shutdown drains too. */
export interface ExtraListener {
  /** Stops accepting, lets open calls finish, and resolves once they have. */
  drain(): Promise<void>;
  /** Closes every connection now. */
  destroy(): void;
}

/**
 * What rpcgen knows about a grpc-js server: the services mounted with `registerService` (for
 * health, reflection and the Connect protocol) and the calls still open (for graceful shutdown). Kept beside the
 * server, not on it, so that any grpc-js server works and nothing leaks once it is collected.
 */
export interface ServerState {
  readonly services: Map<string, DescService>;
  /** By full method name (`/pkg.Service/Method`). */
  readonly routes: Map<string, Route>;
  readonly listeners: Set<ExtraListener>;
  readonly openCalls: Set<OpenCall>;
  /** Called when graceful shutdown begins (health turns NOT_SERVING). */
  readonly onShutdown: Set<() => void>;
}

const states = new WeakMap<grpc.Server, ServerState>();

export function serverState(server: grpc.Server): ServerState {
  let state = states.get(server);
  if (state === undefined) {
    state = {
      services: new Map(),
      routes: new Map(),
      listeners: new Set(),
      openCalls: new Set(),
      onShutdown: new Set(),
    };
    states.set(server, state);
  }
  return state;
}

/** The services mounted on `server` with `registerService` (or a generated `register…Server`). */
export function registeredServices(server: grpc.Server): DescService[] {
  return [...serverState(server).services.values()];
}
