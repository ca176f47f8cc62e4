// Graceful shutdown: new calls refused, unary calls finish, streams end with UNAVAILABLE
// after the grace period, then connections are forced closed.
import * as grpc from "@grpc/grpc-js";
import { addHealthService, type CallContext, type RpcError, ServingStatus, shutdownGracefully } from "@rpcgen/runtime";
import { expect, it } from "vitest";
import type { EchoRequest } from "../golden/ts/fixtures/echo_pb.js";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { startServer } from "../helpers/server.js";
import { TestEcho } from "./echo-impl.js";

/** An echo server whose unary "gate" calls wait until the test opens the gate. */
class GatedEcho extends TestEcho {
  #open: () => void = () => {};
  readonly gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  open(): void {
    this.#open();
  }
  override async echo(request: EchoRequest, ctx: CallContext) {
    if (request.text !== "gate") return super.echo(request, ctx);
    this.started.push("gate");
    await this.gate;
    return { text: "finished" };
  }
}

async function settle(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "OK",
    (e: RpcError) => `${e.codeName}: ${e.message}`,
  );
}

it("stops taking calls, lets unary calls finish, ends streams with UNAVAILABLE after the grace period", async () => {
  const impl = new GatedEcho();
  let health!: ReturnType<typeof addHealthService>;
  const server = await startServer((s) => {
    registerEchoServiceServer(s, impl);
    health = addHealthService(s);
  });
  const client = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
  try {
    const unary = settle(client.echo({ text: "gate" }));
    const serverStream = client.serverStream({ text: "hang" });
    expect((await serverStream.recv())?.index).toBe(0);
    const bidi = client.bidi();
    await bidi.send({ text: "hang" });
    expect((await bidi.recv())?.text).toBe("hang");
    await expect.poll(() => impl.started).toContain("gate");

    let stopped = false;
    const shutdown = shutdownGracefully(server.server, { graceMs: 200, forceAfterMs: 10_000 }).then(() => {
      stopped = true;
    });
    expect(health.status("")).toBe(ServingStatus.NOT_SERVING);
    expect(await settle(client.echo({ text: "new" }))).toMatch(/^UNAVAILABLE/);

    // After the grace period both streams end with UNAVAILABLE and their handlers stop.
    expect(await settle(serverStream.recv())).toBe("UNAVAILABLE: server is shutting down");
    expect(await settle(bidi.recv())).toBe("UNAVAILABLE: server is shutting down");
    await expect.poll(() => impl.finished).toEqual(expect.arrayContaining(["serverStream", "bidi"]));

    // The unary call is still running, and the server waits for it.
    expect(stopped).toBe(false);
    impl.open();
    expect(await unary).toBe("OK");
    await shutdown;
    expect(stopped).toBe(true);
  } finally {
    client.$close();
    server.server.forceShutdown();
  }
});

it("forces the connections closed when a call outlives the grace period and the wait after it", async () => {
  const impl = new GatedEcho();
  const server = await startServer((s) => registerEchoServiceServer(s, impl));
  const client = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
  try {
    const unary = settle(client.echo({ text: "gate" }));
    await expect.poll(() => impl.started).toContain("gate");
    await shutdownGracefully(server.server, { graceMs: 50, forceAfterMs: 50 });
    expect(await unary).toBe("UNAVAILABLE: server is shutting down");
  } finally {
    impl.open();
    client.$close();
  }
});

it("aborting `force` (a second Ctrl-C) ends every call with UNAVAILABLE at once, unary and streams", async () => {
  const impl = new GatedEcho();
  let health!: ReturnType<typeof addHealthService>;
  const server = await startServer((s) => {
    registerEchoServiceServer(s, impl);
    health = addHealthService(s);
  });
  const client = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
  try {
    const unary = settle(client.echo({ text: "gate" }));
    const serverStream = client.serverStream({ text: "hang" });
    expect((await serverStream.recv())?.index).toBe(0);
    await expect.poll(() => impl.started).toContain("gate");
    const force = new AbortController();
    // A grace period far longer than the test: only `force` can end these calls in time.
    const shutdown = shutdownGracefully(server.server, {
      graceMs: 600_000,
      forceAfterMs: 600_000,
      force: force.signal,
    });
    expect(health.status("")).toBe(ServingStatus.NOT_SERVING);
    force.abort();
    await shutdown;
    expect(await unary).toBe("UNAVAILABLE: server is shutting down");
    expect(await settle(serverStream.recv())).toBe("UNAVAILABLE: server is shutting down");
  } finally {
    impl.open();
    client.$close();
  }
});
