// The chat room over real gRPC on free loopback ports: two server instances sharing a broker
// (one in-memory broker in this process, or Redis when REDIS_URL is set), users connected to
// either, through the generated client.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { type BidiStreamCall, Code, RpcError, shutdownGracefully } from "@rpcgen/runtime";
import type { Broker } from "../src/broker.js";
import { ChatRoom } from "../src/chat-room.js";
import { type ChatMessage, type ChatMessageSchema, Kind } from "../src/gen/chat/v1/chat_pb.js";
import { ChatServiceClient, registerChatServiceServer } from "../src/gen/chat/v1/chat_rpc.js";
import { MemoryBroker } from "../src/memory-broker.js";
import { RedisBroker } from "../src/redis-broker.js";

const redisUrl = process.env.REDIS_URL || undefined;

/** A server on 127.0.0.1:0 with its own client. */
async function startInstance(broker: Broker) {
  const server = new grpc.Server();
  const room = new ChatRoom(broker, "");
  registerChatServiceServer(server, room);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  room.instance = `127.0.0.1:${port}`;
  const client = new ChatServiceClient(room.instance, grpc.credentials.createInsecure());
  return {
    room,
    client,
    async stop() {
      // As src/server.ts stops, with no grace period: open streams end with UNAVAILABLE at once.
      await shutdownGracefully(server, { graceMs: 0 });
      client.$close();
    },
  };
}
type Instance = Awaited<ReturnType<typeof startInstance>>;

/** One user's Chat stream, with everything it received. */
class User {
  readonly inbox: ChatMessage[] = [];
  readonly call: BidiStreamCall<typeof ChatMessageSchema, typeof ChatMessageSchema>;
  /** Resolves with the stream's end: undefined for OK, else the RpcError. */
  readonly ended: Promise<RpcError | undefined>;
  #wake: (() => void) | undefined;

  constructor(
    instance: Instance,
    readonly name: string,
  ) {
    const call = instance.client.chat();
    this.call = call;
    this.ended = (async () => {
      try {
        for await (const message of call) {
          this.inbox.push(message);
          this.#wake?.();
        }
        return undefined;
      } catch (err) {
        return err as RpcError;
      } finally {
        this.#wake?.();
      }
    })();
  }

  /** Joins and waits for the room to announce it. */
  static async join(instance: Instance, name: string): Promise<User> {
    const user = new User(instance, name);
    await user.call.send({ from: name });
    await user.waitFor((m) => m.kind === Kind.JOIN && m.from === name);
    return user;
  }

  say(text: string, to = ""): Promise<void> {
    return this.call.send({ text, to });
  }

  /** The first message that matches, received or to come (within 5 s). */
  async waitFor(match: (m: ChatMessage) => boolean): Promise<ChatMessage> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.inbox.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name} never got it; inbox: ${JSON.stringify(this.inbox.map(brief))}`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#wake = resolve;
          timer = setTimeout(resolve, left);
        }),
        this.ended,
      ]);
      clearTimeout(timer);
      if (!this.inbox.find(match) && (await isSettled(this.ended))) {
        throw new Error(`${this.name}'s stream ended first; inbox: ${JSON.stringify(this.inbox.map(brief))}`);
      }
    }
  }

  /** Closes our side; resolves once the server has ended the stream. */
  async leave(): Promise<RpcError | undefined> {
    this.call.closeSend();
    return this.ended;
  }
}

const brief = (m: ChatMessage) => `${Kind[m.kind]} ${m.from}${m.to ? `>${m.to}` : ""}: ${m.text}`;
const isSettled = (p: Promise<unknown>) =>
  Promise.race([p.then(() => true), new Promise((r) => setImmediate(() => r(false)))]);
const said =
  (from: string, text: string, to = "") =>
  (m: ChatMessage) =>
    m.kind === Kind.MESSAGE && m.from === from && m.text === text && m.to === to;
const event = (kind: Kind, from: string) => (m: ChatMessage) => m.kind === kind && m.from === from;

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

for (const { name: brokerName, skip, open } of brokers) {
  describe(`chat, two instances on the ${brokerName} broker`, { skip, timeout: 60_000 }, () => {
    let a: Instance;
    let b: Instance;
    let brokerA: Broker;
    let brokerB: Broker;
    // Names differ per run, so that runs against one Redis never meet.
    const tag = Math.random().toString(36).slice(2, 7);
    const [alice, bob, carol] = ["alice", "bob", "carol"].map((n) => `${n}-${tag}`) as [string, string, string];
    let users: User[] = [];
    before(async () => {
      [brokerA, brokerB] = await open();
      a = await startInstance(brokerA);
      b = await startInstance(brokerB);
      // alice and carol on A, bob on B.
      users = [await User.join(a, alice), await User.join(b, bob), await User.join(a, carol)];
    });
    after(async () => {
      for (const user of users) user.call.cancel();
      await a?.stop();
      await b?.stop();
      await brokerA?.close();
      if (brokerB !== brokerA) await brokerB?.close();
    });

    test("a broadcast reaches everyone else, on both instances, and is not echoed", async () => {
      const [userA, userB, userC] = users as [User, User, User];
      await userA.say("hi all");
      await userB.waitFor(said(alice, "hi all"));
      await userC.waitFor(said(alice, "hi all"));
      await userB.say("hello");
      await userA.waitFor(said(bob, "hello"));
      // Had alice's own broadcast come back, it would have come before bob's answer.
      assert.equal(userA.inbox.filter(said(alice, "hi all")).length, 0);
    });

    test("a private message reaches its target only, across instances", async () => {
      const [userA, userB, userC] = users as [User, User, User];
      await userA.say("psst", bob);
      assert.equal((await userB.waitFor(said(alice, "psst", bob))).to, bob);
      await userA.say("marker");
      await userC.waitFor(said(alice, "marker"));
      assert.equal(userC.inbox.filter((m) => m.text === "psst").length, 0);
    });

    test("a private message to a user who is not online gets a notice back", async () => {
      const [userA] = users as [User];
      await userA.say("anyone?", `nobody-${tag}`);
      await userA.waitFor((m) => m.kind === Kind.NOTICE && m.text === `no user named nobody-${tag} is online`);
    });

    test("a taken name is refused with ALREADY_EXISTS, on the other instance too", async () => {
      for (const instance of [a, b]) {
        const impostor = new User(instance, alice);
        await impostor.call.send({ from: alice });
        const error = await impostor.ended;
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.ALREADY_EXISTS);
        assert.equal(error.message, `the name ${alice} is taken`);
      }
    });

    test("an invalid name is INVALID_ARGUMENT", async () => {
      const nameless = new User(a, "");
      await nameless.call.send({ from: "two words" });
      const error = await nameless.ended;
      assert.ok(error instanceof RpcError);
      assert.equal(error.code, Code.INVALID_ARGUMENT);
    });

    test("join and leave are announced; a user who leaves frees the name", async () => {
      const [userA] = users as [User];
      const dave = await User.join(b, `dave-${tag}`);
      await userA.waitFor(event(Kind.JOIN, dave.name));
      assert.equal(await dave.leave(), undefined); // the server ends a left session with OK
      await userA.waitFor(event(Kind.LEAVE, dave.name));
      const again = await User.join(a, dave.name);
      assert.equal(await again.leave(), undefined);
    });

    test("a user whose stream breaks is removed and announced as gone", async () => {
      const [userA] = users as [User];
      const erin = await User.join(b, `erin-${tag}`);
      erin.call.cancel();
      await userA.waitFor(event(Kind.LEAVE, erin.name));
      assert.ok(!b.room.localUsers().includes(erin.name));
      const again = await User.join(a, erin.name); // the name is free again
      assert.equal(await again.leave(), undefined);
    });

    test("fifteen more users come and go: everyone hears them, no warning", async () => {
      const [userA] = users as [User];
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(String(warning));
      process.on("warning", onWarning);
      try {
        const crowd = await Promise.all(
          Array.from({ length: 15 }, (_, i) => User.join(i % 2 ? a : b, `guest${i}-${tag}`)),
        );
        for (const guest of crowd) await userA.waitFor(event(Kind.JOIN, guest.name));
        for (const guest of crowd) assert.equal(await guest.leave(), undefined);
        for (const guest of crowd) await userA.waitFor(event(Kind.LEAVE, guest.name));
      } finally {
        process.off("warning", onWarning);
      }
      assert.deepEqual(warnings, []); // e.g. MaxListenersExceededWarning from a listener leak
    });

    test("when everyone has left, no subscription and no user is left", async () => {
      for (const user of users) assert.equal(await user.leave(), undefined);
      users = [];
      assert.deepEqual([...a.room.localUsers(), ...b.room.localUsers()], []);
      await noSubscriptionsLeft(brokerA);
      await noSubscriptionsLeft(brokerB);
    });
  });
}

test("a server shutting down ends its sessions with UNAVAILABLE; the others hear them leave", {
  timeout: 30_000,
}, async () => {
  const broker = new MemoryBroker();
  const [a, b] = [await startInstance(broker), await startInstance(broker)];
  const staying = await User.join(b, "staying");
  const going = await User.join(a, "going");
  await a.stop();
  const error = await going.ended;
  assert.ok(error instanceof RpcError);
  assert.equal(error.code, Code.UNAVAILABLE);
  assert.equal(error.message, "server is shutting down");
  await staying.waitFor(event(Kind.LEAVE, "going"));
  assert.equal(await staying.leave(), undefined);
  await b.stop();
  await noSubscriptionsLeft(broker);
});
