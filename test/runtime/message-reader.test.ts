// The reader behind `for await` and recv() on both sides (issue 8), on real objectMode Readables
// fed as grpc-js feeds its calls: push() per message, push(null) at the end, emit('error') for a
// failed status, destroy() for a cancelled call.
import { Readable } from "node:stream";
import { setImmediate as turn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { MessageReader } from "../../packages/runtime/src/shared/message-reader.js";

function source(): Readable {
  return new Readable({ objectMode: true, read() {} });
}

const ended = () => ({ done: true as const, value: undefined });

async function drain<T>(reader: MessageReader<T>): Promise<T[]> {
  const got: T[] = [];
  for (let r = await reader.next(); !r.done; r = await reader.next()) got.push(r.value);
  return got;
}

describe("MessageReader", () => {
  it("hands a message pushed while a reader waits straight to it", async () => {
    const s = source();
    const reader = new MessageReader<number>(s, ended);
    const next = reader.next();
    s.push(1);
    expect(await next).toEqual({ done: false, value: 1 });
  });

  it("keeps order and pauses the stream while a slow reader has many messages queued", async () => {
    const s = source();
    const reader = new MessageReader<number>(s, ended);
    expect(await Promise.race([reader.next(), turn().then(() => "waiting")])).toBe("waiting");
    for (let i = 0; i < 100; i++) s.push(i);
    s.push(null);
    await turn();
    // The first message went to the waiting next(); the queue filled up and paused the flow.
    expect(s.isPaused()).toBe(true);
    expect(s.readableLength).toBeGreaterThan(0);
    const rest = await drain(reader);
    expect(rest).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });

  it("reads the messages that arrived before an error, then gives end's verdict on it", async () => {
    const s = source();
    const boom = new Error("status 10");
    const reader = new MessageReader<number>(s, (error) => {
      if (error !== undefined) throw error;
      return { done: true, value: undefined };
    });
    await Promise.race([reader.next().then(() => {}), turn()]);
    for (let i = 0; i < 40; i++) s.push(i);
    s.push(null);
    s.emit("error", boom);
    const got: number[] = [];
    const err = await (async () => {
      try {
        for (;;) {
          const r = await reader.next();
          if (r.done) return undefined;
          got.push(r.value);
        }
      } catch (e) {
        return e;
      }
    })();
    // Message 0 went to the next() that raced above.
    expect(got).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(err).toBe(boom);
  });

  it("gives a reader waiting on a resumed stream its buffered message, not the error", async () => {
    const s = source();
    const reader = new MessageReader<number>(s, (error) => {
      if (error !== undefined) throw error;
      return { done: true, value: undefined };
    });
    await Promise.race([reader.next().then(() => {}), turn()]);
    for (let i = 0; i < 40; i++) s.push(i);
    await turn();
    // Empty the queue: the stream resumes, but its buffered messages flow only on the next tick.
    // Empty the queue in one chain of microtasks: the last read resumes the stream, whose buffered
    // messages only flow on the next tick, so the next read has to wait with messages buffered.
    const queued: number[] = [];
    for (let i = 0; i < 16; i++) {
      const r = await reader.next();
      if (!r.done) queued.push(r.value);
    }
    expect(queued).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const waiting = reader.next();
    s.emit("error", new Error("status 10"));
    expect(await waiting).toEqual({ done: false, value: 17 });
  });

  it("wakes a waiting reader with the verdict when the stream is destroyed (a cancelled call)", async () => {
    const s = source();
    const reader = new MessageReader<number>(s, () => Promise.reject(new Error("cancelled")));
    const next = reader.next();
    s.destroy();
    await expect(next).rejects.toThrow("cancelled");
    await expect(reader.next()).rejects.toThrow("cancelled");
  });

  it("ends at once on a stream that was destroyed before the first read", async () => {
    const s = source();
    s.destroy();
    await turn();
    const reader = new MessageReader<number>(s, ended);
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });
});
