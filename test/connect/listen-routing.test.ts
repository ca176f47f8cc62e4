// listen() tells HTTP/2 from HTTP/1.1 by a connection's first bytes. TCP does not keep write
// boundaries: a proxy, a middlebox or a slow link may deliver the HTTP/2 preface a few bytes at
// a time. Here a proxy in front of the shared port delivers the first bytes of every connection
// one by one, and both protocols must still be told apart.
import { connect, createServer, type Server, type Socket } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { listen, shutdownGracefully } from "@rpcgen/runtime";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { rawPost } from "../helpers/connect-raw.js";
import { TestEcho } from "../runtime/echo-impl.js";

/** How many leading bytes of each connection the proxy sends one at a time. */
const TRICKLE = 6;

let server: grpc.Server;
let proxy: Server;
let proxyPort: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = new grpc.Server();
  registerEchoServiceServer(server, new TestEcho());
  const { port } = await listen(server, "127.0.0.1:0");
  proxy = createServer((down) => {
    const up = connect(port, "127.0.0.1");
    up.setNoDelay(true);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        down.destroy();
        up.destroy();
      });
    }
    let sent = 0;
    let queue = Promise.resolve();
    down.on("data", (chunk: Buffer) => {
      queue = queue.then(async () => {
        for (const byte of chunk.subarray(0, Math.max(0, TRICKLE - sent))) {
          up.write(Buffer.of(byte));
          // Long enough for each byte to arrive as its own read on the other side.
          await new Promise((r) => setTimeout(r, 15));
        }
        const rest = chunk.subarray(Math.max(0, TRICKLE - sent));
        sent += chunk.length;
        if (rest.length > 0) up.write(rest);
      });
    });
    up.pipe(down);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyPort = (proxy.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy?.close(r));
  await shutdownGracefully(server, { graceMs: 500, forceAfterMs: 500 });
});

// Failed before 504162f (the first chunk alone decided, so a first read shorter than "PRI "
// went to HTTP/1.1 and the gRPC client got UNAVAILABLE, "Protocol error").
it("a gRPC client whose HTTP/2 preface arrives a byte at a time reaches grpc-js", async () => {
  const client = new EchoServiceClient(`127.0.0.1:${proxyPort}`, grpc.credentials.createInsecure());
  try {
    expect((await client.echo({ text: "trickled" }, { timeoutMs: 5000 })).text).toBe("trickled");
  } finally {
    client.$close();
  }
});

it("a Connect request whose request line arrives a byte at a time reaches the Connect handler", async () => {
  const res = await rawPost(proxyPort, {
    path: "/fixtures.echo.v1.EchoService/Echo",
    contentType: "application/json",
    body: Buffer.from('{"text":"trickled"}'),
  });
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body.toString())).toEqual({ text: "trickled" });
});
