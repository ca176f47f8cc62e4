import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";

/** The side of a call that `send()` writes to: a grpc-js call (client or server), or a Connect response. */
export interface WritableCall {
  /** false: the message is buffered and the caller should wait for 'drain'. */
  write(message: unknown): boolean;
  once(event: "drain", listener: () => void): unknown;
  off(event: "drain", listener: () => void): unknown;
}

/** How a stream's end looks to its sends; the client and the server each know theirs differently. */
export interface WriteEnd {
  /**
   * `undefined` while the call is open; once it has ended, what a send resolves to: `null`
   * (resolve: the message is not sent, like Go's io.EOF after the peer answered) or the error
   * to reject with.
   */
  outcome(): Error | null | undefined;
  /** Calls `wake` once when the call ends; the returned function forgets it. */
  whenEnded(wake: () => void): () => void;
}

/** What `send()` returns when the transport took the message at once: one settled promise for all. */
export const SENT: Promise<void> = Promise.resolve();

/**
 * The back-pressure writer of both sides: creates the message from `init`, writes it, and
 * resolves at once when the transport took it, or when it has drained otherwise. A call that
 * ends while a send waits never drains, so the wait ends with the call too.
 */
export function writeMessage<I extends DescMessage>(
  call: WritableCall,
  schema: I,
  end: WriteEnd,
  init: MessageInitShape<I>,
): Promise<void> {
  const outcome = end.outcome();
  if (outcome !== undefined) return outcome === null ? SENT : Promise.reject(outcome);
  // The common case, a live call with room to write, allocates nothing beyond the message.
  let message: unknown;
  try {
    message = create(schema, init);
  } catch (err) {
    return Promise.reject(err);
  }
  return call.write(message) ? SENT : drainOrEnd(call, end);
}

async function drainOrEnd(call: WritableCall, end: WriteEnd): Promise<void> {
  await new Promise<void>((resolve) => {
    const drained = () => {
      forget();
      resolve();
    };
    const forget = end.whenEnded(() => {
      call.off("drain", drained);
      resolve();
    });
    call.once("drain", drained);
  });
  const outcome = end.outcome();
  if (outcome) throw outcome;
}
