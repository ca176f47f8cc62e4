import type * as grpc from "@grpc/grpc-js";
import { type MetadataInit, toMetadata } from "../shared/metadata.js";
import { cancelCall, markStarted } from "./cancel.js";

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
