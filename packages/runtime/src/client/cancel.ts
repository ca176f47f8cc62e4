// Cancelling a client call, and what the rest of the client must know about a cancelled call.

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
