// The broker contract against both implementations, and what only Redis can show. The Redis
// tests need a Redis server: `REDIS_URL=redis://127.0.0.1:6379 npm test` (skipped without it).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { openBroker } from "../src/broker.js";
import { MemoryBroker } from "../src/memory-broker.js";
import { RedisBroker } from "../src/redis-broker.js";
import { brokerContract, freshChannel, Inbox } from "./broker-contract.js";

const redisUrl = process.env.REDIS_URL || undefined;
const noRedis = redisUrl === undefined ? "set REDIS_URL to test against Redis" : false;

brokerContract("memory", async () => new MemoryBroker());
brokerContract("redis", () => RedisBroker.connect(redisUrl!), noRedis);

describe("redis broker", { skip: noRedis, timeout: 60_000 }, () => {
  let admin: Redis;
  const brokers: RedisBroker[] = [];
  const connect = async () => {
    const broker = await RedisBroker.connect(redisUrl!);
    brokers.push(broker);
    return broker;
  };
  const subscribers = async (channel: string) => {
    const [, count] = (await admin.pubsub("NUMSUB", channel)) as [string, number];
    return Number(count);
  };
  before(() => {
    admin = new Redis(redisUrl!);
    admin.on("error", () => {});
  });
  after(async () => {
    for (const broker of brokers) await broker.close();
    admin.disconnect();
  });

  test("one Redis subscription per channel, gone once the last handler leaves", async () => {
    const broker = await connect();
    const channel = freshChannel();
    const subs = await Promise.all([1, 2, 3].map(() => broker.subscribe(channel, () => {})));
    assert.equal(await subscribers(channel), 1);
    await subs[0]!.unsubscribe();
    assert.equal(await subscribers(channel), 1);
    for (const s of subs) await s.unsubscribe();
    assert.equal(await subscribers(channel), 0);
  });

  test("subscribing again while leaving ends subscribed", async () => {
    const broker = await connect();
    const channel = freshChannel();
    const first = await broker.subscribe(channel, () => {});
    const leaving = first.unsubscribe(); // UNSUBSCRIBE still on its way
    const inbox = new Inbox();
    const again = await broker.subscribe(channel, inbox.handler);
    await leaving;
    await broker.publish(channel, "still subscribed");
    assert.deepEqual(await inbox.waitFor(1), ["still subscribed"]);
    await again.unsubscribe();
  });

  test("two brokers (two server instances) on one Redis share messages", async () => {
    const [a, b] = [await connect(), await connect()];
    const channel = freshChannel();
    const inbox = new Inbox();
    const sub = await b.subscribe(channel, inbox.handler);
    assert.equal(await a.publish(channel, "from a"), 1);
    assert.deepEqual(await inbox.waitFor(1), ["from a"]);
    await sub.unsubscribe();
  });
});

describe("openBroker", { timeout: 60_000 }, () => {
  test("BROKER=memory: the in-memory broker, no warning", async () => {
    const opened = await openBroker({ broker: "memory", redisUrl: undefined });
    assert.equal(opened.broker.kind, "memory");
    assert.equal(opened.warning, undefined);
    await opened.broker.close();
  });

  test("BROKER=auto without REDIS_URL: memory, with a one-line single-instance warning", async () => {
    const opened = await openBroker({ broker: "auto", redisUrl: undefined });
    assert.equal(opened.broker.kind, "memory");
    assert.match(opened.warning ?? "", /^warning: .*single instance only[^\n]*$/);
    await opened.broker.close();
  });

  test("BROKER=auto with a Redis that does not answer: memory, with a warning", async () => {
    const opened = await openBroker({ broker: "auto", redisUrl: "redis://127.0.0.1:1" }, { timeoutMs: 300 });
    assert.equal(opened.broker.kind, "memory");
    assert.match(
      opened.warning ?? "",
      /^warning: BROKER=auto could not use redis at redis:\/\/127\.0\.0\.1:1 .*single instance only/,
    );
    await opened.broker.close();
  });

  test("BROKER=redis with a Redis that does not answer: an error", async () => {
    await assert.rejects(
      openBroker({ broker: "redis", redisUrl: "redis://127.0.0.1:1" }, { timeoutMs: 300 }),
      /^Error: redis at redis:\/\/127\.0\.0\.1:1: no answer within 300 ms/,
    );
  });

  test("BROKER=redis without REDIS_URL: an error", async () => {
    await assert.rejects(openBroker({ broker: "redis", redisUrl: undefined }), /needs REDIS_URL/);
  });

  test("BROKER=auto with a working REDIS_URL: Redis, no warning", { skip: noRedis }, async () => {
    const opened = await openBroker({ broker: "auto", redisUrl });
    assert.equal(opened.broker.kind, "redis");
    assert.equal(opened.warning, undefined);
    await opened.broker.close();
  });
});
