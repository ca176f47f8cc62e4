import type * as grpc from "@grpc/grpc-js";
import { type MetadataInit, toMetadata } from "./metadata.js";

/** Options every client call takes. */
export interface CallOptions {
  /** Relative timeout in milliseconds; when it passes the call fails with DEADLINE_EXCEEDED. */
  timeoutMs?: number;
  /**
   * Absolute deadline; a number is milliseconds since the epoch (as grpc-js), not a duration.
   * With both `deadline` and `timeoutMs`, the earlier one applies. The server sees it as `context.deadline`.
   */
  deadline?: Date | number;
  /** Aborting cancels the call; it then fails with CANCELLED. */
  signal?: AbortSignal;
  /** Request metadata (headers). */
  metadata?: MetadataInit;
  /** Called with the response headers, when the server sends any (not for a trailers-only error). */
  onHeader?: (headers: grpc.Metadata) => void;
  /** Called with the response trailers, on success and on error. */
  onTrailer?: (trailers: grpc.Metadata) => void;
  /** grpc-js call options passed through (credentials, interceptors, parent call...). */
  callOptions?: grpc.CallOptions;
}

export function toGrpcCallOptions(options: CallOptions | undefined): grpc.CallOptions {
  const out: grpc.CallOptions = { ...options?.callOptions };
  if (options?.deadline !== undefined) {
    if (!Number.isFinite(+options.deadline))
      throw new TypeError(`deadline must be a valid Date or epoch milliseconds, got ${String(options.deadline)}`);
    out.deadline = options.deadline;
  }
  if (options?.timeoutMs !== undefined) {
    if (!Number.isFinite(options.timeoutMs))
      throw new TypeError(`timeoutMs must be a finite number, got ${options.timeoutMs}`);
    const fromTimeout = Date.now() + options.timeoutMs;
    const current = out.deadline === undefined ? Number.POSITIVE_INFINITY : +out.deadline;
    out.deadline = Math.min(fromTimeout, current);
  }
  return out;
}

export function requestMetadata(options: CallOptions | undefined): grpc.Metadata {
  return toMetadata(options?.metadata);
}

const youngCalls = new WeakSet<object>();
const cancelledCalls = new WeakSet<object>();

/** True once `cancelCall` was called: from then on nothing more is sent, even before the cancel lands. */
export function isCancelled(call: object): boolean {
  return cancelledCalls.has(call);
}

/** Marks a call as just started, for {@link cancelCall}. */
export function markStarted(call: object): void {
  youngCalls.add(call);
  setImmediate(() => youngCalls.delete(call));
}

/**
 * Cancels a client call. A call cancelled in the same tick as it started would leave the
 * server's side of its stream open for good: grpc-js 1.14 (seen on Node 20) has sent HEADERS but,
 * the HTTP/2 stream not having its id yet, never sends the RST_STREAM. So a call that young is
 * cancelled two turns of the event loop later (one turn was not always enough for a burst of
 * streams), once its stream exists. test/runtime/deadlines.test.ts checks that nothing leaks.
 */
export function cancelCall(call: { cancel(): void }): void {
  cancelledCalls.add(call);
  if (youngCalls.has(call)) setImmediate(() => setImmediate(() => call.cancel()));
  else call.cancel();
}

/** Wires headers, trailers and the abort signal of `options` to a started grpc-js call. */
export function observeCall(call: NodeJS.EventEmitter & { cancel(): void }, options: CallOptions | undefined): void {
  if (options === undefined) return;
  const { onHeader, onTrailer, signal } = options;
  if (onHeader) call.on("metadata", onHeader);
  if (onTrailer) call.on("status", (status: grpc.StatusObject) => onTrailer(status.metadata));
  if (signal) {
    markStarted(call);
    if (signal.aborted) cancelCall(call);
    else {
      const cancel = () => cancelCall(call);
      signal.addEventListener("abort", cancel, { once: true });
      call.on("status", () => signal.removeEventListener("abort", cancel));
    }
  }
}
