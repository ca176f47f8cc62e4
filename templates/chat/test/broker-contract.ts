// What every Broker must do, as tests: test/broker.test.ts runs them against each
// implementation, so the in-memory broker behaves like Redis wherever one process can tell.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Broker, MessageHandler } from "../src/broker.js";

/** Collects what a handler receives; waits (bounded) for more. */
export class Inbox {
  readonly messages: string[] = [];
  #wake: (() => void) | undefined;

  readonly handler: MessageHandler = (message) => {
    this.messages.push(message);
    this.#wake?.();
  };

  /** Resolves once `count` messages are in; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`got ${JSON.stringify(this.messages)}, waited for ${count} message(s)`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return this.messages;
  }
}

/** A channel name no other test uses. */
export const freshChannel = () => `contract:${randomUUID()}`;

/**
 * The contract. `open` makes a new broker (called more than once); `skip` is a reason to skip
 * the whole suite (e.g. no Redis to test against).
 */
export function brokerContract(name: string, open: () => Promise<Broker>, skip: string | false = false): void {
  describe(`${name} broker contract`, { skip, timeout: 60_000 }, () => {
    let broker: Broker;
    before(async () => {
      broker = await open();
    });
    after(async () => {
      await broker?.close();
    });

    test("a subscriber gets what is published to its channel, in order, and nothing else", async () => {
      const [one, two] = [freshChannel(), freshChannel()];
      const inboxOne = new Inbox();
      const inboxTwo = new Inbox();
      const subs = [await broker.subscribe(one, inboxOne.handler), await broker.subscribe(two, inboxTwo.handler)];
      for (const m of ["1", "2", "3"]) await broker.publish(one, m);
      await broker.publish(two, "x");
      assert.deepEqual(await inboxOne.waitFor(3), ["1", "2", "3"]);
      assert.deepEqual(await inboxTwo.waitFor(1), ["x"]);
      for (const s of subs) await s.unsubscribe();
    });

    test("every subscriber of a channel gets each message", async () => {
      const channel = freshChannel();
      const inboxes = [new Inbox(), new Inbox(), new Inbox()];
      const subs = await Promise.all(inboxes.map((i) => broker.subscribe(channel, i.handler)));
      await broker.publish(channel, "hello");
      for (const inbox of inboxes) assert.deepEqual(await inbox.waitFor(1), ["hello"]);
      for (const s of subs) await s.unsubscribe();
    });

    test("publish tells whether anyone listens: 0 before subscribing and after unsubscribing", async () => {
      const channel = freshChannel();
      assert.equal(await broker.publish(channel, "nobody"), 0);
      const inbox = new Inbox();
      const sub = await broker.subscribe(channel, inbox.handler);
      assert.ok((await broker.publish(channel, "somebody")) > 0);
      await inbox.waitFor(1);
      await sub.unsubscribe();
      assert.equal(await broker.publish(channel, "nobody again"), 0);
    });

    test("after unsubscribe a handler gets nothing more and the channel is left", async () => {
      const [channel, marker] = [freshChannel(), freshChannel()];
      const gone = new Inbox();
      const staying = new Inbox();
      const sub = await broker.subscribe(channel, gone.handler);
      const markerSub = await broker.subscribe(marker, staying.handler);
      await sub.unsubscribe();
      await sub.unsubscribe(); // idempotent
      assert.ok(!broker.channels().includes(channel));
      await broker.publish(channel, "too late");
      // Messages arrive in publish order: once the marker is in, "too late" would have been too.
      await broker.publish(marker, "marker");
      await staying.waitFor(1);
      assert.deepEqual(gone.messages, []);
      await markerSub.unsubscribe();
    });

    test("unsubscribing one handler keeps the others on the channel", async () => {
      const channel = freshChannel();
      const [leaving, staying] = [new Inbox(), new Inbox()];
      const subLeaving = await broker.subscribe(channel, leaving.handler);
      const subStaying = await broker.subscribe(channel, staying.handler);
      await subLeaving.unsubscribe();
      assert.ok(broker.channels().includes(channel));
      await broker.publish(channel, "still here");
      assert.deepEqual(await staying.waitFor(1), ["still here"]);
      assert.deepEqual(leaving.messages, []);
      await subStaying.unsubscribe();
    });

    test("the same handler subscribed twice is two subscriptions", async () => {
      const channel = freshChannel();
      const inbox = new Inbox();
      const first = await broker.subscribe(channel, inbox.handler);
      const second = await broker.subscribe(channel, inbox.handler);
      await broker.publish(channel, "twice");
      assert.deepEqual(await inbox.waitFor(2), ["twice", "twice"]);
      await first.unsubscribe();
      await broker.publish(channel, "once");
      assert.deepEqual(await inbox.waitFor(3), ["twice", "twice", "once"]);
      await second.unsubscribe();
    });

    test("a name is held by one owner at a time, who may claim it again", async () => {
      const key = freshChannel();
      assert.equal(await broker.claim(key, "a", 60_000), true);
      assert.equal(await broker.claim(key, "b", 60_000), false);
      assert.equal(await broker.claim(key, "a", 60_000), true);
      await broker.release(key, "b"); // not b's to release
      assert.equal(await broker.claim(key, "b", 60_000), false);
      await broker.release(key, "a");
      assert.equal(await broker.claim(key, "b", 60_000), true);
      await broker.release(key, "b");
    });

    test("a claim that is not extended lapses", async () => {
      const key = freshChannel();
      assert.equal(await broker.claim(key, "crashed", 50), true);
      let free = false;
      for (let i = 0; i < 100 && !free; i++) {
        free = await broker.claim(key, "next", 60_000);
        if (!free) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(free, "the claim never lapsed");
      await broker.release(key, "next");
    });

    test("no subscription is left behind by the tests above", () => {
      assert.deepEqual(broker.channels(), []);
    });

    test("a closed broker refuses to publish and subscribe", async () => {
      const closing = await open();
      await closing.close();
      await assert.rejects(closing.publish(freshChannel(), "x"), /closed/);
      await assert.rejects(
        closing.subscribe(freshChannel(), () => {}),
        /closed/,
      );
      await assert.rejects(closing.claim(freshChannel(), "a", 1000), /closed/);
    });
  });
}
