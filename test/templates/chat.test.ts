// The chat template end to end: rpcgen packed as npm would publish it, a project scaffolded
// from it and installed from that tarball, its own tests (both brokers), typecheck, then its
// server and terminal client, driven through stdin: three users on two instances sharing a
// real redis-server, Redis restarted under connected users, etcd discovery, shutdown.
import { spawn } from "node:child_process";
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
  screenLines,
  templateFiles,
} from "./project-processes.js";

const temp = tempDirs();
let project = "";
let redis: RedisServer;
let ownTests: Promise<Finished>;
let typecheck: Promise<Finished>;
const programs = new Programs(() => project);
const onRedis = () => ({ BROKER: "redis", REDIS_URL: redis.url });

/** The terminal client as a user runs it, stdin a pipe. */
const chatClient = (name: string, env: NodeJS.ProcessEnv) => programs.start("src/client.ts", env, ["--name", name]);
/** Waits for a whole printed line. */
const line = (client: Program, text: string) => client.waitFor(new RegExp(`^${escapeRegExp(text)}$`, "m"));
const joined = (client: Program, name: string) => line(client, `* ${name} joined`);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

beforeAll(async () => {
  const work = temp.make();
  project = scaffoldProject(work, "chat", "chat", packAll(work));
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
  expect(result.stdout).toMatch(/ℹ pass 60\nℹ fail 0\nℹ cancelled 0\nℹ skipped 0\n/);
  expect(result.status).toBe(0);
}, 120_000);

test("the project is templates/chat, file for file", () => {
  expect(projectFiles(project)).toEqual(templateFiles("chat", "chat"));
});

test("the project typechecks under strict with its TypeScript (7)", async () => {
  const result = await typecheck;
  expect(result.stdout + result.stderr).not.toContain("error TS");
  expect(result.status).toBe(0);
}, 120_000);

test("the project typechecks under strict with TypeScript 5.9 too", () => {
  const result = runIn(project, process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "."]);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.status).toBe(0);
}, 120_000);

test("no Redis: memory broker with a warning; SIGTERM ends sessions with UNAVAILABLE and exits 0", async () => {
  const server = programs.start("src/server.ts", { PORT: "0", BROKER: "", REDIS_URL: "", SHUTDOWN_GRACE_MS: "300" });
  const address = await server.address();
  expect(server.output).toContain(
    "warning: BROKER=auto and no REDIS_URL: using the in-memory broker: single instance only, messages do not cross server instances\n",
  );
  expect(server.output).toContain("(mode: direct, no etcd; broker: memory, this instance only)");
  const [ann, ben] = ["ann", "ben"].map((name) => chatClient(name, { CHAT_ADDRS: address })) as [Program, Program];
  await Promise.all([joined(ann, "ann"), joined(ben, "ben")]);
  ann.type("hello");
  await line(ben, "[Broadcast] ann: hello");
  expect(await server.stop()).toBe(0);
  for (const client of [ann, ben]) {
    expect(await client.exit()).toBe(1);
    expect(client.output).toContain("chat failed: UNAVAILABLE: server is shutting down\n");
  }
});

test("on a terminal the client draws its prompt again after each line, and an error gets a line of its own", async () => {
  const server = programs.start("src/server.ts", { PORT: "0", BROKER: "", REDIS_URL: "", SHUTDOWN_GRACE_MS: "300" });
  const address = await server.address();
  const listener = chatClient("lee", { CHAT_ADDRS: address });
  await joined(listener, "lee");
  // script(1) runs the client on a pseudo-terminal, as a person at a terminal would.
  const command = [process.execPath, "--import", "tsx", "src/client.ts", "--name", "kim"]
    .map((a) => `'${a}'`)
    .join(" ");
  const kim = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: project,
    env: { ...process.env, CHAT_ADDRS: address },
  });
  let raw = "";
  kim.stdout.on("data", (c: Buffer) => {
    raw += c;
  });
  const exited = new Promise<number | null>((resolve) => kim.once("exit", resolve));
  try {
    await eventually("kim joins", () => raw.includes("joining as kim"));
    kim.stdin.write("hello there\r");
    await line(listener, "[Broadcast] kim: hello there");
    // After the line is sent, the screen ends with a fresh prompt, not an empty line.
    await eventually("the prompt is drawn again", () => screenLines(raw).at(-1) === "> ");
    expect(await server.stop()).toBe(0);
    expect(await exited).toBe(1);
    const screen = screenLines(raw);
    const failed = screen.filter((l) => l.includes("chat failed"));
    expect(failed, raw).toEqual(["chat failed: UNAVAILABLE: server is shutting down"]);
  } finally {
    kim.kill("SIGKILL");
  }
}, 60_000);

describe("two instances on one Redis, registered in etcd", () => {
  let etcd: EtcdServer;
  let a: Program;
  let b: Program;
  let onA: NodeJS.ProcessEnv;
  let onB: NodeJS.ProcessEnv;
  const servers = new Programs(() => project);
  beforeAll(async () => {
    etcd = await startEtcd();
    const env = { PORT: "0", ETCD_ENDPOINTS: etcd.endpoint, SHUTDOWN_GRACE_MS: "300", ...onRedis() };
    [a, b] = [servers.start("src/server.ts", env), servers.start("src/server.ts", env)];
    const [addressA, addressB] = await Promise.all([a.address(), b.address()]);
    [onA, onB] = [{ CHAT_ADDRS: addressA }, { CHAT_ADDRS: addressB }];
    for (const s of [a, b]) await s.waitFor(/chat registered in etcd as \/services\/chat\.v1\.ChatService\//);
  }, 60_000);
  afterAll(async () => {
    await servers.stopAll();
    await etcd?.destroy();
  });

  test("three users across both: broadcast, private, unknown user, taken name, leaving by EOF and Ctrl-C", async () => {
    const alice = chatClient("alice", onA);
    await joined(alice, "alice");
    const [bob, carol] = [chatClient("bob", onB), chatClient("carol", onA)];
    await Promise.all([joined(bob, "bob"), joined(carol, "carol")]);
    await Promise.all([line(alice, "* bob joined"), line(alice, "* carol joined")]);

    alice.type("hi all");
    await Promise.all([line(bob, "[Broadcast] alice: hi all"), line(carol, "[Broadcast] alice: hi all")]);

    bob.type("@carol psst");
    await line(carol, "[Private from bob]: psst");
    bob.type("marker");
    await line(alice, "[Broadcast] bob: marker");
    expect(alice.output).not.toContain("psst"); // it would have come before the marker

    carol.type("@nobody are you there?");
    await line(carol, "[Notice] no user named nobody is online");

    const impostor = runScript(project, "src/client.ts", ["--name", "alice"], onB);
    expect(impostor.stdout).toBe("");
    expect(impostor.stderr).toBe("chat failed: ALREADY_EXISTS: the name alice is taken\n");
    expect(impostor.status).toBe(1);

    carol.endInput(); // end of input
    expect(await carol.exit()).toBe(0);
    await Promise.all([line(alice, "* carol left"), line(bob, "* carol left")]);
    expect(await alice.stop("SIGINT")).toBe(0); // Ctrl-C
    await line(bob, "* alice left");
    bob.endInput();
    expect(await bob.exit()).toBe(0);

    // Nothing else was printed, and each saw the others' lines in order.
    expect(carol.output).toMatch(
      /^\* carol joined\n(\* bob joined\n)?\[Broadcast\] alice: hi all\n\[Private from bob\]: psst\n\[Broadcast\] bob: marker\n\[Notice\] no user named nobody is online\n$/,
    );
    expect(alice.output).toMatch(
      /^\* alice joined\n(\* (bob|carol) joined\n){2}\[Broadcast\] bob: marker\n\* carol left\n$/,
    );
    for (const name of ["alice", "bob", "carol"]) expect(await redis.subscribers(`chat:user:${name}`)).toBe(0);
  }, 60_000);

  test("a user who finds the room through etcd:/// meets one on a given instance", async () => {
    const erin = chatClient("erin", onB);
    await joined(erin, "erin");
    const dave = chatClient("dave", { ETCD_ENDPOINTS: etcd.endpoint });
    await joined(dave, "dave");
    dave.type("found you through etcd");
    await line(erin, "[Broadcast] dave: found you through etcd");
    dave.endInput();
    expect(await dave.exit()).toBe(0);
  });

  test("Redis restarted under connected users: broadcasts and private messages flow again", async () => {
    const [frank, grace] = [chatClient("frank", onA), chatClient("grace", onB)];
    await Promise.all([joined(frank, "frank"), joined(grace, "grace")]);
    const count = (s: Program, what: RegExp) => s.output.match(what)?.length ?? 0;
    const [lost, restored] = [
      /broker: redis subscriber connection lost/g,
      /broker: redis subscriber connection restored/g,
    ];
    const before = [a, b].map((s) => [count(s, lost), count(s, restored)] as const);

    await redis.stop();
    await eventually("both servers see Redis go", () => [a, b].every((s, i) => count(s, lost) > before[i]![0]));
    await redis.start();
    await eventually("both servers reconnect", () => [a, b].every((s, i) => count(s, restored) > before[i]![1]));
    // At most once: a message sent before the subscriptions are back is lost; send until one arrives.
    let n = 0;
    await eventually("a broadcast after the restart arrives", () => {
      frank.type(`after restart ${++n}`);
      return /\[Broadcast\] frank: after restart \d+/.test(grace.output);
    });
    await eventually("a private message after the restart arrives", () => {
      grace.type(`@frank back ${++n}`);
      return /\[Private from grace\]: back \d+/.test(frank.output);
    });
    for (const s of [frank, grace]) expect(s.running).toBe(true); // the same streams all along
  }, 60_000);

  test("both servers stop on SIGTERM with exit code 0", async () => {
    for (const s of [a, b]) expect(await s.stop()).toBe(0);
  });
});

describeProductionChecks({
  project: () => project,
  service: "chat.v1.ChatService",
  env: { BROKER: "", REDIS_URL: "" },
});
