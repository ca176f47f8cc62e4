/** An async iterable fed by `push()`: the request side of a bidi call driven one message at a time. */
export class Pushable<T> implements AsyncIterable<T> {
  readonly #queue: T[] = [];
  #waiting: ((result: IteratorResult<T, undefined>) => void) | undefined;
  #ended = false;

  push(value: T): void {
    const waiting = this.#waiting;
    if (waiting === undefined) this.#queue.push(value);
    else {
      this.#waiting = undefined;
      waiting({ value, done: false });
    }
  }

  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    const done = (): Promise<IteratorResult<T, undefined>> => {
      this.end();
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift() as T, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiting = resolve;
        });
      },
      // Connect calls these when the call ends before the requests do.
      return: done,
      throw: done,
    };
  }
}
