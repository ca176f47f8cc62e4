// The pubsub template end to end: rpcgen packed as npm would publish it, a project scaffolded
// from it and installed from that tarball, its own tests (both brokers), typecheck, then its
// server and command-line clients against a real redis-server: two instances sharing Redis,
// Redis restarted under connected subscribers, and etcd discovery.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { repoRoot, tempDirs } from "../helpers/cli.js";
import { type EtcdServer, startEtcd } from "../helpers/etcd.js";
import { type Program, Programs, packAll, runIn, scaffoldProject } from "../helpers/project.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { describeProductionChecks } from "./production-checks.js";
import {
  eventually,
  type Finished,
  projectFiles,
  runInBackground,
  runScript,
  templateFiles,
} from "./project-processes.js";

const temp = tempDirs();
let project = "";
let redis: RedisServer;
let ownTests: Promise<Finished>;
let typecheck: Promise<Finished>;
const programs = new Programs(() => project);
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => runIn(project, command, args, env);
const startServer = (env: NodeJS.ProcessEnv) => programs.start("src/server.ts", { PORT: "0", ...env });
const publish = (address: string, args: string[], input = "") =>
  runScript(project, "src/publish.ts", ["--topic", "news", ...args], { PUBSUB_ADDRS: address }, input);
const onRedis = () => ({ BROKER: "redis", REDIS_URL: redis.url });

beforeAll(async () => {
  const work = temp.make();
  project = scaffoldProject(work, "pubsub", "pubsub", packAll(work));
  redis = await startRedis();
  // The two longest checks run side by side; their tests below wait for them.
  ownTests = runInBackground(project, "npm", ["test"], { REDIS_URL: redis.url });
  typecheck = runInBackground(project, "npm", ["run", "typecheck"]);
}, 180_000);
afterEach(() => programs.stopAll());
afterAll(async () => {
  await redis?.destroy();
  temp.cleanup();
});

test("the project's own npm test passes, the broker contract against both memory and Redis", async () => {
  const result = await ownTests;
  expect(result.stdout).toMatch(/ℹ pass 44\nℹ fail 0\nℹ cancelled 0\nℹ skipped 0\n/);
  expect(result.status).toBe(0);
}, 120_000);

test("the project is templates/pubsub, file for file", () => {
  expect(projectFiles(project)).toEqual(templateFiles("pubsub", "pubsub"));
});

test("the project typechecks under strict with its TypeScript (7)", async () => {
  const result = await typecheck;
  expect(result.stdout + result.stderr).not.toContain("error TS");
  expect(result.status).toBe(0);
}, 120_000);

test("the project typechecks under strict with TypeScript 5.9 too", () => {
  const result = run(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "."]);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.status).toBe(0);
}, 120_000);

test("no Redis: the in-memory broker with a one-line warning; the demo client goes through both rpcs", async () => {
  const server = startServer({ BROKER: "", REDIS_URL: "" });
  const address = await server.address();
  expect(server.output).toContain(
    "warning: BROKER=auto and no REDIS_URL: using the in-memory broker: single instance only, messages do not cross server instances\n",
  );
  expect(server.output).toContain(`(mode: direct, no etcd; broker: memory, this instance only)`);
  const client = run("npm", ["run", "--silent", "client"], { PUBSUB_ADDRS: address });
  expect(client.stderr).toBe("");
  expect(client.stdout).toBe(
    [
      `calling pubsub.v1.PubSub at ipv4:${address}`,
      `subscribed to demo at ${address}`,
      "published 3 messages to demo",
      ...[1, 2, 3].map((i) => `[demo] message ${i} (via ${address})`),
      "",
    ].join("\n"),
  );
  expect(client.status).toBe(0);
  expect(await server.stop()).toBe(0);
});

test("the README's curl line and Python subscriber work as printed on the gRPC port (Connect)", async () => {
  const readme = readFileSync(join(project, "README.md"), "utf8");
  const curl = readme.split("\n").filter((line) => line.startsWith("curl "));
  const python = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  expect([curl.length, python.length]).toEqual([1, 1]);
  const server = startServer({ BROKER: "", REDIS_URL: "" });
  const address = await server.address();
  const here = (text: string) => text.replaceAll("127.0.0.1:50051", address);
  const health = spawnSync("sh", ["-c", here(curl[0] as string)], { encoding: "utf8", timeout: 30_000 });
  expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });
  const subscriber = spawn("python3", ["-c", here(python[0] as string)], { stdio: ["ignore", "pipe", "pipe"] });
  let printed = "";
  subscriber.stdout.on("data", (c: Buffer) => (printed += c));
  subscriber.stderr.on("data", (c: Buffer) => (printed += c));
  try {
    // Published over Connect too (client streaming, one message), until the subscription is in place.
    for (let i = 0; i < 100 && !printed.includes("[news] hi"); i++) {
      await publishOverConnect(address, { topic: "news", message: "hi" });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(printed).toMatch(/^(\[news\] hi\n)+$/);
  } finally {
    subscriber.kill("SIGKILL");
  }
  expect(await server.stop()).toBe(0);
}, 60_000);

/** One Publish call over Connect (HTTP/1.1, application/connect+json): its reply message. */
async function publishOverConnect(address: string, message: object): Promise<unknown> {
  const json = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(json.length, 1);
  const res = await fetch(`http://${address}/pubsub.v1.PubSub/Publish`, {
    method: "POST",
    headers: { "content-type": "application/connect+json" },
    body: Buffer.concat([head, json]),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return JSON.parse(body.subarray(5, 5 + body.readUInt32BE(1)).toString());
}

describe("two instances on one Redis, registered in etcd", () => {
  let etcd: EtcdServer;
  let a: Program;
  let b: Program;
  let addressA = "";
  let addressB = "";
  const servers = new Programs(() => project);
  beforeAll(async () => {
    etcd = await startEtcd();
    const env = { ETCD_ENDPOINTS: etcd.endpoint, SHUTDOWN_GRACE_MS: "300", ...onRedis() };
    [a, b] = [
      servers.start("src/server.ts", { PORT: "0", ...env }),
      servers.start("src/server.ts", { PORT: "0", ...env }),
    ];
    [addressA, addressB] = await Promise.all([a.address(), b.address()]);
    for (const s of [a, b]) await s.waitFor(/pubsub registered in etcd as \/services\/pubsub\.v1\.PubSub\//);
  }, 60_000);
  afterAll(async () => {
    await servers.stopAll();
    await etcd?.destroy();
  });

  test("each says where it listens, that it is in etcd and that it uses Redis", () => {
    for (const s of [a, b]) {
      expect(s.output).toMatch(
        new RegExp(
          `pubsub listening on 127\\.0\\.0\\.1:\\d+ \\(mode: etcd, registering \\S+ at ${etcd.endpoint}; broker: redis at ${redis.url}\\)`,
        ),
      );
      expect(s.output).not.toContain("warning");
    }
  });

  test("a publisher on A reaches a subscriber on B, from arguments and stdin; B then leaves the channel", async () => {
    const subscriber = programs.start("src/subscribe.ts", { PUBSUB_ADDRS: addressB }, [
      "--topic",
      "news",
      "--count",
      "3",
    ]);
    await subscriber.waitFor(new RegExp(`subscribed to news at ${addressB}`));
    expect(await redis.subscribers("pubsub:topic:news")).toBe(1); // B's subscriber connection

    const fromArgs = publish(addressA, ["one", "two"]);
    expect(fromArgs.stderr).toBe("");
    expect(fromArgs.stdout).toBe("published 2 messages to news\n");
    const fromStdin = publish(addressA, [], "three\n\n"); // blank lines are not messages
    expect(fromStdin.stdout).toBe("published 1 message to news\n");

    expect(await subscriber.exit()).toBe(0); // --count 3
    expect(subscriber.output).toBe(
      [
        `subscribed to news at ${addressB}`,
        `[news] one (via ${addressA})`,
        `[news] two (via ${addressA})`,
        `[news] three (via ${addressA})`,
        "",
      ].join("\n"),
    );
    // B left the channel when its only subscriber went; A never had one of its own.
    await eventually("B leaves the Redis channel", async () => (await redis.subscribers("pubsub:topic:news")) === 0);
  });

  test("the demo client through etcd:/// works whichever instances it reaches", () => {
    const client = run("npm", ["run", "--silent", "client"], { ETCD_ENDPOINTS: etcd.endpoint });
    expect(client.stderr).toBe("");
    expect(client.stdout).toContain("calling pubsub.v1.PubSub at etcd:///pubsub.v1.PubSub\n");
    expect(client.stdout).toMatch(/\[demo\] message 3 \(via 127\.0\.0\.1:\d+\)\n$/);
    expect(client.status).toBe(0);
  });

  test("Redis restarted under connected subscribers: they get new messages again", async () => {
    const subscribers = [addressA, addressB].map((address) =>
      programs.start("src/subscribe.ts", { PUBSUB_ADDRS: address }, ["--topic", "news"]),
    );
    for (const s of subscribers) await s.waitFor(/subscribed to news at/);
    const lost = (s: Program) => s.output.match(/broker: redis subscriber connection lost/g)?.length ?? 0;
    const restored = (s: Program) => s.output.match(/broker: redis subscriber connection restored/g)?.length ?? 0;
    const [lostBefore, restoredBefore] = [lost(a), restored(a)];

    await redis.stop();
    await eventually("both servers see Redis go", () => [a, b].every((s) => lost(s) > lostBefore));
    await redis.start();
    await eventually("both servers reconnect", () => [a, b].every((s) => restored(s) > restoredBefore));
    // Pub/Sub is at most once: what is published before a subscriber is back is lost, so
    // publish (through B, whose publisher reconnected too) until both subscribers have one.
    let tries = 0;
    await eventually(
      "both subscribers get a message published after the restart",
      () => {
        publish(addressB, [`after ${++tries}`]);
        return subscribers.every((s) => /\[news\] after \d+ \(via /.test(s.output));
      },
      20,
    );
    for (const s of subscribers) {
      expect(s.running).toBe(true); // the same stream all along
      expect(s.output).not.toContain("subscription lost");
    }
  }, 60_000);

  test("SIGTERM with subscribers connected: they are told (UNAVAILABLE), the servers exit 0", async () => {
    const subscriber = programs.start("src/subscribe.ts", { PUBSUB_ADDRS: addressA }, ["--topic", "news"]);
    await subscriber.waitFor(/subscribed to news at/);
    expect(await a.stop()).toBe(0);
    await subscriber.waitFor(/subscription lost \(UNAVAILABLE: server is shutting down\); subscribing again in \d+ ms/);
    // A is gone: the retries find nobody there, in one short line each, without grpc-js's wording.
    const port = addressA.split(":")[1];
    await subscriber.waitFor(
      new RegExp(
        `subscription lost \\(UNAVAILABLE: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); subscribing again in \\d+ ms\n`,
      ),
    );
    expect(subscriber.output).not.toMatch(/Last error|Resolution note|No connection established/);
    expect(await b.stop()).toBe(0);
  });
});

describeProductionChecks({ project: () => project, service: "pubsub.v1.PubSub", env: { BROKER: "", REDIS_URL: "" } });
