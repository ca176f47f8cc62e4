// A real Redis (Debian's redis-server package) on a free 127.0.0.1 port with a temp dir and no
// persistence, so a restart comes back empty, as after a crash without a dump.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, requireBinary, stopProcess } from "./service-process.js";

/** The redis-server binary, or undefined (a failure under CI=true). */
export const redisBinary = requireBinary("redis-server", "redis-server");

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, for REDIS_URL. */
  readonly url: string;
  readonly port: number;
  /** Stops the process (SIGTERM) and waits for it to exit; connected clients see the connection drop. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it and removes its dir. */
  destroy(): Promise<void>;
  /** Sends one command (e.g. `PUBSUB`, `NUMSUB`, `chan`) and resolves with the raw RESP2 reply. */
  command(...args: string[]): Promise<string>;
  /** How many connections are subscribed to `channel` (`PUBSUB NUMSUB`). */
  subscribers(channel: string): Promise<number>;
}

/** Starts redis-server and resolves once it answers; the caller must `destroy()` it. */
export async function startRedis(): Promise<RedisServer> {
  if (redisBinary === undefined) throw new Error("redis-server is not installed");
  const binary = redisBinary;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rpcgen-redis-"));
  let child: ChildProcess | undefined;
  let log = "";

  const command = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let reply = "";
      const timer = setTimeout(() => socket.destroy(new Error(`redis ${args[0]}: no reply within 2 s`)), 2000);
      socket.on("connect", () => {
        socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
      });
      socket.on("data", (chunk: Buffer) => {
        reply += chunk;
        if (isComplete(reply)) {
          clearTimeout(timer);
          socket.end();
          resolve(reply);
        }
      });
      socket.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });

  const start = async () => {
    log = "";
    const proc = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    proc.stdout?.on("data", (d: Buffer) => {
      log += d;
    });
    proc.stderr?.on("data", (d: Buffer) => {
      log += d;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${log}`);
      if ((await command("PING").catch(() => "")) === "+PONG\r\n") return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill("SIGKILL");
    throw new Error(`redis-server did not answer within 10 s: ${log}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopProcess(proc);
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    command,
    subscribers: async (channel) => {
      // *2\r\n$<n>\r\n<channel>\r\n:<count>\r\n
      const match = /:(\d+)\r\n$/.exec(await command("PUBSUB", "NUMSUB", channel));
      if (match === null) throw new Error(`PUBSUB NUMSUB ${channel}: unexpected reply`);
      return Number(match[1]);
    },
  };
}

/** Whether `reply` holds one whole RESP2 reply (simple, error, integer, bulk or a flat array). */
function isComplete(reply: string): boolean {
  const parse = (at: number): number | undefined => {
    const end = reply.indexOf("\r\n", at);
    if (end < 0) return undefined;
    const type = reply[at];
    const head = reply.slice(at + 1, end);
    if (type === "+" || type === "-" || type === ":") return end + 2;
    if (type === "$") {
      const length = Number(head);
      if (length < 0) return end + 2;
      const stop = end + 2 + length + 2;
      return Buffer.byteLength(reply) >= stop ? stop : undefined; // ASCII replies: bytes = chars
    }
    if (type === "*") {
      let next: number | undefined = end + 2;
      for (let i = 0; i < Number(head) && next !== undefined; i++) next = parse(next);
      return next;
    }
    return undefined;
  };
  return parse(0) === reply.length;
}
