import * as grpc from "@grpc/grpc-js";
import { Code } from "../shared/rpc-error.js";
import { serverState } from "./server-state.js";

export interface ShutdownOptions {
  /** How long open streams may keep going before they are ended with UNAVAILABLE. Default 10 s. */
  graceMs?: number;
  /** How long after that to wait for calls to finish before closing every connection. Default 5 s. */
  forceAfterMs?: number;
}

/**
 * Stops `server` gracefully, and resolves once it has stopped:
 *
 * 1. health (if added) turns NOT_SERVING; the server stops listening and tells clients (GOAWAY)
 *    to take new calls elsewhere; running calls go on;
 * 2. after `graceMs`, streams still open (server, client and bidi streaming calls registered
 *    with a generated `register…Server`) end with UNAVAILABLE, which clients may retry; unary
 *    calls are left to finish;
 * 3. after `forceAfterMs` more, calls still running (unary too) end with UNAVAILABLE and every
 *    connection is closed (`forceShutdown`).
 *
 * grpc-js's `tryShutdown` alone waits forever for an open stream, and `forceShutdown` alone
 * makes clients see CANCELLED; this ends streams with a status clients can act on.
 */
export function shutdownGracefully(server: grpc.Server, options: ShutdownOptions = {}): Promise<void> {
  const { graceMs = 10_000, forceAfterMs = 5_000 } = options;
  const state = serverState(server);
  for (const hook of state.onShutdown) hook();
  return new Promise((resolve) => {
    let graceTimer: NodeJS.Timeout | undefined;
    let forceTimer: NodeJS.Timeout | undefined;
    server.tryShutdown(() => {
      clearTimeout(graceTimer);
      clearTimeout(forceTimer);
      resolve();
    });
    const endOpenCalls = (streamsOnly: boolean) => {
      const status = { code: Code.UNAVAILABLE, details: "server is shutting down", metadata: new grpc.Metadata() };
      for (const call of [...state.openCalls]) if (call.streaming || !streamsOnly) call.end(status);
    };
    graceTimer = setTimeout(() => {
      endOpenCalls(true);
      forceTimer = setTimeout(() => {
        // Calls still running get UNAVAILABLE rather than the CANCELLED a bare forceShutdown gives.
        endOpenCalls(false);
        setImmediate(() => {
          server.forceShutdown();
          resolve();
        });
      }, forceAfterMs);
    }, graceMs);
  });
}
