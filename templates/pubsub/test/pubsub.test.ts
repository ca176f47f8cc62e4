// The PubSub service over real gRPC on free loopback ports: two server instances sharing a
// broker (one in-memory broker in this process, or Redis when REDIS_URL is set), called
// through the generated client.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError, type ServerStreamCall, shutdownGracefully } from "@rpcgen/runtime";
import type { Broker } from "../src/broker.js";
import type { SubscribeResponse, SubscribeResponseSchema } from "../src/gen/pubsub/v1/pubsub_pb.js";
import { PubSubClient, registerPubSubServer } from "../src/gen/pubsub/v1/pubsub_rpc.js";
import { MemoryBroker } from "../src/memory-broker.js";
import { PubSubService, topicChannel } from "../src/pubsub.js";
import { MessageQueue } from "../src/queue.js";
import { RedisBroker } from "../src/redis-broker.js";

const redisUrl = process.env.REDIS_URL || undefined;

/** A server on 127.0.0.1:0 with its own client. */
async function startInstance(broker: Broker) {
  const server = new grpc.Server();
  const service = new PubSubService(broker, "");
  registerPubSubServer(server, service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  service.instance = `127.0.0.1:${port}`;
  const client = new PubSubClient(service.instance, grpc.credentials.createInsecure());
  return {
    address: service.instance,
    service,
    client,
    async stop() {
      // As src/server.ts stops, with no grace period: open streams end with UNAVAILABLE at once.
      await shutdownGracefully(server, { graceMs: 0 });
      client.$close();
    },
  };
}
type Instance = Awaited<ReturnType<typeof startInstance>>;

/** Subscribes and waits until the server says the subscription is active. */
async function subscribe(instance: Instance, topic: string) {
  const call = instance.client.subscribe({ topic });
  const servedBy = (await call.header()).get("served-by")[0];
  assert.equal(servedBy, instance.address);
  return call;
}

/** The next `count` messages, each within 5 s. */
async function take(call: ServerStreamCall<typeof SubscribeResponseSchema>, count: number) {
  const got: Array<Pick<SubscribeResponse, "topic" | "message" | "origin">> = [];
  for (let i = 0; i < count; i++) {
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      call.recv(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${JSON.stringify(got)} within 5 s`)), 5000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.ok(next, "the stream ended");
    got.push({ topic: next.topic, message: next.message, origin: next.origin });
  }
  return got;
}

/** Waits (at most 5 s) until the broker has left every channel. */
async function noSubscriptionsLeft(broker: Broker) {
  for (let i = 0; i < 100 && broker.channels().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(broker.channels(), []);
}

const brokers: Array<{ name: string; skip: string | false; open: () => Promise<[Broker, Broker]> }> = [
  {
    // One process-local broker shared by both servers: the in-memory stand-in for one Redis.
    name: "memory",
    skip: false,
    open: async () => {
      const broker = new MemoryBroker();
      return [broker, broker];
    },
  },
  {
    name: "redis",
    skip: redisUrl === undefined ? "set REDIS_URL to test against Redis" : false,
    open: async () => [await RedisBroker.connect(redisUrl!), await RedisBroker.connect(redisUrl!)],
  },
];

for (const { name, skip, open } of brokers) {
  describe(`PubSub, two instances on the ${name} broker`, { skip, timeout: 60_000 }, () => {
    let a: Instance;
    let b: Instance;
    let brokerA: Broker;
    let brokerB: Broker;
    before(async () => {
      [brokerA, brokerB] = await open();
      a = await startInstance(brokerA);
      b = await startInstance(brokerB);
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
      await brokerA?.close();
      await brokerB?.close();
    });

    test("Publish answers with a summary; a subscriber gets its topic's messages only", async () => {
      const call = await subscribe(a, "news");
      const summary = await a.client.publish([
        { topic: "news", message: "one" },
        { topic: "sports", message: "goal" },
        { topic: "news", message: "two" },
      ]);
      assert.equal(summary.count, 3);
      assert.deepEqual(summary.topics, ["news", "sports"]);
      assert.deepEqual(await take(call, 2), [
        { topic: "news", message: "one", origin: a.address },
        { topic: "news", message: "two", origin: a.address },
      ]);
      call.cancel();
    });

    test("a publisher on one instance reaches subscribers on both", async () => {
      const onA = await subscribe(a, "cross");
      const onB = await subscribe(b, "cross");
      const publisher = b.client.publish();
      await publisher.send({ topic: "cross", message: "hello from b" });
      assert.deepEqual((await take(onA, 1))[0], { topic: "cross", message: "hello from b", origin: b.address });
      assert.deepEqual((await take(onB, 1))[0], { topic: "cross", message: "hello from b", origin: b.address });
      assert.equal((await publisher.closeAndRecv()).count, 1);
      onA.cancel();
      onB.cancel();
    });

    test("a subscriber that cancels leaves the broker: no subscription is left", async () => {
      const call = await subscribe(b, "leaving");
      assert.ok(brokerB.channels().includes(topicChannel("leaving")));
      call.cancel();
      await noSubscriptionsLeft(brokerA);
      await noSubscriptionsLeft(brokerB);
    });

    test("twenty subscribers come and go: one message each, no warning, no subscription left", async () => {
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(String(warning));
      process.on("warning", onWarning);
      try {
        const calls = await Promise.all(Array.from({ length: 20 }, (_, i) => subscribe(i % 2 ? a : b, "crowd")));
        await a.client.publish([{ topic: "crowd", message: "hello, crowd" }]);
        for (const call of calls) assert.equal((await take(call, 1))[0]!.message, "hello, crowd");
        for (const call of calls) call.cancel();
        await noSubscriptionsLeft(brokerA);
        await noSubscriptionsLeft(brokerB);
      } finally {
        process.off("warning", onWarning);
      }
      assert.deepEqual(warnings, []); // e.g. MaxListenersExceededWarning from a listener leak
    });

    test("a topic that is empty or has spaces is INVALID_ARGUMENT", async () => {
      await assert.rejects(a.client.publish([{ topic: "", message: "x" }]), (err: unknown) => {
        assert.ok(err instanceof RpcError);
        assert.equal(err.code, Code.INVALID_ARGUMENT);
        return true;
      });
      await assert.rejects(a.client.subscribe({ topic: "two words" }).recv(), (err: unknown) => {
        assert.ok(err instanceof RpcError);
        assert.equal(err.code, Code.INVALID_ARGUMENT);
        assert.equal(err.message, "topic must be 1 to 200 characters, without spaces");
        return true;
      });
    });
  });
}

test("shutdown ends open subscriptions with UNAVAILABLE, and they leave the broker", { timeout: 30_000 }, async () => {
  const broker = new MemoryBroker();
  const instance = await startInstance(broker);
  const call = await subscribe(instance, "news");
  const stopped = instance.stop();
  await assert.rejects(call.recv(), (err: unknown) => {
    assert.ok(err instanceof RpcError);
    assert.equal(err.code, Code.UNAVAILABLE);
    assert.equal(err.message, "server is shutting down");
    return true;
  });
  await stopped;
  await noSubscriptionsLeft(broker);
});

test("a subscriber that falls too far behind is dropped with RESOURCE_EXHAUSTED", { timeout: 30_000 }, async () => {
  const queue = new MessageQueue<number>(2);
  assert.ok(queue.push(1));
  assert.ok(queue.push(2));
  assert.equal(queue.push(3), false);
  await assert.rejects(queue.next(), (err: unknown) => err instanceof RpcError && err.code === Code.RESOURCE_EXHAUSTED);
});
