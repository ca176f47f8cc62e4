import * as grpc from "@grpc/grpc-js";
import { deadlinePassed } from "../server/call-context.js";
import { withCallMiddleware } from "../server/call-middleware.js";
import { Code } from "./rpc-error.js";

/** One finished call, as logging and metrics want it. */
export interface CallRecord {
  /** The full method name, e.g. `/helloworld.Greeter/SayHello`. */
  readonly method: string;
  readonly code: Code;
  /** The status name, e.g. `"OK"`, `"NOT_FOUND"`. */
  readonly codeName: string;
  /** The status message. */
  readonly details: string;
  /** From the start of the call to its status. */
  readonly durationMs: number;
  /** The other side's address. */
  readonly peer: string;
}

/**
 * A server interceptor that calls `onEnd` once per call with its status and duration, whatever
 * the call kind and however it ended (status sent, client cancel, deadline): logging and
 * metrics without touching handlers.
 *
 * ```ts
 * new grpc.Server({ interceptors: [observeServerCalls((c) => log.info(`${c.method} ${c.codeName} ${c.durationMs}ms`))] });
 * ```
 * It observes Connect calls on `listen()`'s port as well.
 * grpc-js wraps the call in the first interceptor of the list outermost, so the first sees every
 * call and its end: put this one before `bearerAuth` to also see the calls that auth rejects.
 */
export function observeServerCalls(onEnd: (record: CallRecord) => void): grpc.ServerInterceptor {
  const interceptor: grpc.ServerInterceptor = (descriptor, call) => {
    const started = performance.now();
    let done = false;
    const report = (code: Code, details: string) => {
      if (done) return;
      done = true;
      notify(onEnd, descriptor.path, code, details, started, call.getPeer());
    };
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        // grpc-js ends a call whose deadline passed like a cancel, without a status: the clock
        // tells them apart, as the handler's signal does.
        next({
          onCancel: () =>
            deadlinePassed(call)
              ? report(Code.DEADLINE_EXCEEDED, "deadline exceeded")
              : report(Code.CANCELLED, "call cancelled"),
        });
      },
      sendStatus(status, next) {
        report(status.code, status.details ?? "");
        next(status);
      },
    });
  };
  // Connect calls: one record each too, once the response has been written.
  return withCallMiddleware(interceptor, async (info, next) => {
    const started = performance.now();
    const outcome = await next();
    notify(onEnd, info.method, outcome.code, outcome.details, started, info.peer);
    return outcome;
  });
}

function notify(
  onEnd: (record: CallRecord) => void,
  method: string,
  code: Code,
  details: string,
  started: number,
  peer: string,
): void {
  try {
    onEnd({
      method,
      code,
      codeName: Code[code] ?? `CODE_${code}`,
      details,
      durationMs: performance.now() - started,
      peer,
    });
  } catch {
    // An observer's bug must not break the call it observes.
  }
}

/** The client counterpart of {@link observeServerCalls}: `onEnd` once per call, on every status. */
export function observeClientCalls(onEnd: (record: CallRecord) => void): grpc.Interceptor {
  return (options, nextCall) => {
    const started = performance.now();
    const method = options.method_definition.path;
    const call: grpc.InterceptingCall = new grpc.InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        // Only the status is observed; grpc-js passes every other event through unchanged.
        next(metadata, {
          onReceiveStatus(status, statusNext) {
            notify(onEnd, method, status.code, status.details, started, call.getPeer());
            statusNext(status);
          },
        });
      },
    });
    return call;
  };
}
