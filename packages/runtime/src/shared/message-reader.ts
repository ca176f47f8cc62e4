import type { Readable } from "node:stream";

/**
 * Messages a reader may hold unread before the call is paused: as many again as the grpc-js
 * stream's own buffer (objectMode's default high-water mark), so a slow reader holds at most
 * twice that and HTTP/2 flow control stops the peer.
 */
const QUEUE_LIMIT = 16;

/** What a reader's `next()` returns once the messages are over: the end, or the call's error. */
export type EndOfMessages<T> = (error: unknown) => IteratorResult<T, undefined> | Promise<IteratorResult<T, undefined>>;

/**
 * Reads a grpc-js call's messages one `next()` at a time, for `for await` and Go's `Recv()`.
 *
 * It listens to `'data'` instead of using `readable.iterator()`: in flowing mode grpc-js hands a
 * message straight to a waiting reader, where Node's iterator goes through `'readable'`, `read()`
 * and an async generator for every message: a third more CPU per bidi ping-pong round trip in
 * bench/ab.ts (issue 8). Back-pressure stays: the call is paused while QUEUE_LIMIT messages wait.
 */
export class MessageReader<T> implements AsyncIterator<T, undefined> {
  readonly #source: Readable;
  readonly #end: EndOfMessages<T>;
  readonly #queue: T[] = [];
  #waiter: ((result: IteratorResult<T, undefined> | Promise<IteratorResult<T, undefined>>) => void) | undefined;
  #listening = false;
  #paused = false;
  #ended = false;
  #failed = false;
  #error: unknown;

  /** `end` decides what the end of the stream (or its `'error'`) means for the call. */
  constructor(source: Readable, end: EndOfMessages<T>) {
    this.#source = source;
    this.#end = end;
  }

  /** The next message; messages that arrived before an error come first, then `end`'s verdict. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.#listening) this.#listen();
    const queue = this.#queue;
    // Messages still buffered in the stream come before its error: read() emits the next one as
    // 'data' now, where a resumed flow would deliver it only on the next tick, after the verdict.
    if (queue.length === 0 && this.#failed && this.#buffered()) this.#source.read();
    if (queue.length > 0) {
      const message = queue.shift() as T;
      if (queue.length === 0 && this.#paused) {
        this.#paused = false;
        this.#source.resume();
      }
      return Promise.resolve({ done: false, value: message });
    }
    if (this.#ended || this.#failed) return this.#verdict();
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  #verdict(): Promise<IteratorResult<T, undefined>> {
    try {
      return Promise.resolve(this.#end(this.#error));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #listen(): void {
    this.#listening = true;
    const source = this.#source;
    source.on("data", (message: T) => {
      const waiter = this.#waiter;
      if (waiter !== undefined) {
        this.#waiter = undefined;
        waiter({ done: false, value: message });
        return;
      }
      this.#queue.push(message);
      if (this.#queue.length >= QUEUE_LIMIT && !this.#paused) {
        this.#paused = true;
        source.pause();
      }
    });
    const end = () => {
      this.#ended = true;
      this.#wake();
    };
    source.once("end", end);
    source.once("close", end);
    source.on("error", (err: unknown) => {
      if (!this.#failed) this.#error = err;
      this.#failed = true;
      // Messages still buffered in the stream come first; the waiter gets the next of them.
      if (!this.#buffered()) this.#wake();
      else if (this.#waiter !== undefined) source.read();
    });
    if (source.destroyed || source.readableEnded) end();
  }

  #buffered(): boolean {
    return !this.#source.destroyed && this.#source.readableLength > 0;
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    waiter(this.#verdict());
  }
}
