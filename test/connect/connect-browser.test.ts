// A real browser calls the Connect protocol across origins: headless Chromium loads a page from
// origin A (the test's page server) that calls the EchoService on origin B with fetch, CORS
// preflight included, and posts what it saw back to A.
import * as grpc from "@grpc/grpc-js";
import { listen, shutdownGracefully } from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { chromiumBinary, type PageRun, startPageOrigin } from "../helpers/chromium.js";
import { startConnectNodeEcho } from "../helpers/connect-node-echo.js";
import { connectCallsScript, type PageReport } from "../helpers/connect-page-script.js";
import { TestEcho } from "../runtime/echo-impl.js";

const binary = chromiumBinary();

interface Target {
  readonly port: number;
  close(): Promise<void>;
}

/** rpcgen's listen(): the EchoService on a grpc-js server, Connect on its port, CORS for `origins`. */
async function startRpcgen(origins: string[]): Promise<Target> {
  const server = new grpc.Server();
  registerEchoServiceServer(server, new TestEcho());
  const listening = await listen(server, "127.0.0.1:0", {
    connect: { cors: { origins, exposeHeaders: ["x-head", "trailer-x-tail"] } },
  });
  return {
    port: listening.port,
    close: () => shutdownGracefully(server, { graceMs: 1000, forceAfterMs: 1000 }),
  };
}

const servers: [string, (origins: string[]) => Promise<Target>][] = [
  ["rpcgen's listen() on the gRPC port", startRpcgen],
  // The same page against connect-node's own server: a failure in both is the harness's.
  ["connect-node's server (the harness's reference)", startConnectNodeEcho],
];

describe.skipIf(binary === undefined).each(servers)("Chromium, fetch across origins, against %s", (_, start) => {
  let page: PageRun;
  let target: Target;

  beforeAll(async () => {
    page = await startPageOrigin(binary as string);
    target = await start([page.origin]);
  });

  afterAll(async () => {
    await target?.close();
    await page?.close();
  });

  it("calls unary JSON and a server stream, and reads an error with details", async () => {
    const outcome = await page.run<PageReport>(connectCallsScript(`http://127.0.0.1:${target.port}`));
    if (!outcome.ok) throw new Error(`the page failed: ${outcome.error}`);
    const { unary, stream, error } = outcome.value;

    expect(unary.status).toBe(200);
    expect(unary.contentType).toMatch(/^application\/json/);
    expect(unary.body).toEqual({ text: "hello from chromium" });
    // Only visible to the page because the server exposes them (access-control-expose-headers).
    expect(unary.head).toBe("from-browser");
    expect(unary.tail).toBe("from-browser");

    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^application\/connect\+json/);
    expect(stream.leftoverBytes).toBe(0);
    expect(stream.frames.slice(0, -1)).toEqual([
      { flags: 0, data: { text: "tick" } },
      { flags: 0, data: { text: "tick", index: 1 } },
      { flags: 0, data: { text: "tick", index: 2 } },
    ]);
    const end = stream.frames.at(-1);
    expect(end?.flags).toBe(2);
    expect(end?.data).not.toHaveProperty("error");

    expect(error.status).toBe(400);
    expect(error.contentType).toMatch(/^application\/json/);
    expect(error.body).toMatchObject({ code: "failed_precondition", message: "failing on purpose" });
    const details = (error.body as { details?: { type: string; value: string }[] }).details ?? [];
    expect(details.map((d) => d.type)).toEqual(["google.rpc.ErrorInfo", "google.rpc.BadRequest"]);
    expect(details.every((d) => d.value.length > 0)).toBe(true);
  });

  it("is refused by the browser when the page's origin is not allowed", async () => {
    const other = await start(["http://127.0.0.1:1"]);
    try {
      const outcome = await page.run<PageReport>(connectCallsScript(`http://127.0.0.1:${other.port}`));
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error).toMatch(/TypeError: Failed to fetch/);
    } finally {
      await other.close();
    }
  });
});
