import * as grpc from "@grpc/grpc-js";
import type { BenchServer } from "./types.js";

/** A grpc-js server on 127.0.0.1, port 0, with what `register` mounts on it. */
export async function startGrpcServer(
  register: (server: grpc.Server) => void,
  options?: grpc.ServerOptions,
): Promise<BenchServer> {
  const server = new grpc.Server(options);
  register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    port,
    stop: async () => server.forceShutdown(),
  };
}

export function address(port: number): string {
  return `127.0.0.1:${port}`;
}

/** Waits (at most 10 s) until the client's channel is connected. */
export function ready(client: grpc.Client): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())),
  );
}

const ENDINGS = ["drain", "cancelled", "status", "close"] as const;

/** Resolves once a writable call drains, or ends (a dead call never drains). */
export function drained(emitter: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of ENDINGS) emitter.off(event, done);
      resolve();
    };
    for (const event of ENDINGS) emitter.on(event, done);
  });
}

/** Holds an idle server stream open until the client cancels it. */
export function holdIdle(call: grpc.ServerWritableStream<unknown, unknown>, count: { open: number }): void {
  count.open++;
  call.once("cancelled", () => {
    count.open--;
  });
}

/** Counts the messages of a server stream; pauses it while `onMessage`'s promise is pending. */
export function readAll(
  call: grpc.ClientReadableStream<unknown>,
  onMessage?: (n: number) => Promise<void> | undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    call.on("data", () => {
      n++;
      const wait = onMessage?.(n);
      if (wait !== undefined) {
        call.pause();
        wait.then(() => call.resume());
      }
    });
    call.on("error", reject);
    call.on("end", () => resolve(n));
  });
}

/** Writes `count` requests with back-pressure, then half-closes. */
export async function writeAll<T>(call: grpc.ClientWritableStream<T>, count: number, next: () => T): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!call.write(next())) await drained(call);
  }
  call.end();
}

/** `rounds` request/response round trips on a bidi call, then a clean end. */
export function pingPong<T>(call: grpc.ClientDuplexStream<T, unknown>, rounds: number, next: () => T): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    call.on("data", () => {
      if (++received < rounds) call.write(next());
      else call.end();
    });
    call.on("error", reject);
    call.on("end", () => resolve());
    if (rounds > 0) call.write(next());
    else call.end();
  });
}
