import * as grpc from "@grpc/grpc-js";
import { Code } from "../shared/rpc-error.js";
import { serverState } from "./server-state.js";

/** How long forcing waits for the UNAVAILABLE statuses it sent to be written before closing connections. */
const STATUS_FLUSH_MS = 200;

export interface ShutdownOptions {
  /** How long open streams may keep going before they are ended with UNAVAILABLE. Default 10 s. */
  graceMs?: number;
  /** How long after that to wait for calls to finish before closing every connection. Default 5 s. */
  forceAfterMs?: number;
  /**
   * Aborting it forces the shutdown at once: every call still running ends with UNAVAILABLE and
   * every connection is closed (what a second Ctrl-C should do).
   */
  force?: AbortSignal;
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
 * makes clients see CANCELLED; this ends streams with a status clients can act on. Aborting
 * `options.force` jumps to step 3.
 */
export function shutdownGracefully(server: grpc.Server, options: ShutdownOptions = {}): Promise<void> {
  const { graceMs = 10_000, forceAfterMs = 5_000, force } = options;
  const state = serverState(server);
  for (const hook of state.onShutdown) hook();
  return new Promise((resolve) => {
    let graceTimer: NodeJS.Timeout | undefined;
    let forceTimer: NodeJS.Timeout | undefined;
    const onForce = () => forceNow();
    const finish = () => {
      clearTimeout(graceTimer);
      clearTimeout(forceTimer);
      force?.removeEventListener("abort", onForce);
      resolve();
    };
    // grpc-js and the Connect listeners of listen() drain side by side.
    const drained = [...state.listeners].map((listener) => listener.drain());
    server.tryShutdown(() => void Promise.all(drained).then(finish));
    const endOpenCalls = (streamsOnly: boolean) => {
      const status = { code: Code.UNAVAILABLE, details: "server is shutting down", metadata: new grpc.Metadata() };
      for (const call of [...state.openCalls]) if (call.streaming || !streamsOnly) call.end(status);
    };
    let forced = false;
    const forceNow = () => {
      if (forced) return;
      forced = true;
      // Calls still running get UNAVAILABLE rather than the CANCELLED a bare forceShutdown gives.
      endOpenCalls(false);
      // Those statuses still have to reach the socket: a moment for that (tryShutdown's callback
      // ends it sooner once every call is gone), then the connections are closed.
      clearTimeout(forceTimer);
      forceTimer = setTimeout(() => {
        server.forceShutdown();
        for (const listener of state.listeners) listener.destroy();
        finish();
      }, STATUS_FLUSH_MS);
    };
    if (force?.aborted) return forceNow();
    force?.addEventListener("abort", onForce, { once: true });
    graceTimer = setTimeout(() => {
      endOpenCalls(true);
      forceTimer = setTimeout(forceNow, forceAfterMs);
    }, graceMs);
  });
}
