// connect-node's own Connect server (connectNodeAdapter on node:http, HTTP/1.1) serving the
// EchoService as test/runtime/echo-impl.ts does, with a small CORS layer. A reference nobody
// here wrote: the client harnesses (the browser page, raw requests) are checked against it, so
// that a failure against rpcgen's server is rpcgen's and not the harness's.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { BadRequestSchema, ErrorInfoSchema } from "@rpcgen/runtime";
import { EchoService } from "../golden/ts/fixtures/echo_pb.js";

/** Request header `x-in` comes back as header `x-head` and trailer `x-tail`; "fail" fails with details, "hang" waits for the deadline. */
const echo: Partial<ServiceImpl<typeof EchoService>> = {
  async echo(request, ctx) {
    echoMetadata(ctx);
    failIfAsked(request.text);
    if (request.text === "hang") {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      throw ConnectError.from(ctx.signal.reason);
    }
    return { text: request.text };
  },
  async *serverStream(request, ctx) {
    echoMetadata(ctx);
    for (let i = 0; i < Math.max(request.count, 1); i++) yield { text: request.text, index: i };
    failIfAsked(request.text);
  },
  async clientStream(requests, ctx) {
    echoMetadata(ctx);
    const texts: string[] = [];
    for await (const r of requests) texts.push(r.text);
    return { text: texts.join(","), index: texts.length };
  },
  async *bidi(requests, ctx) {
    echoMetadata(ctx);
    let i = 0;
    for await (const r of requests) yield { text: r.text, index: i++ };
  },
};

function echoMetadata(ctx: HandlerContext): void {
  const text = ctx.requestHeader.get("x-in");
  if (text === null) return;
  ctx.responseHeader.set("x-head", text);
  ctx.responseTrailer.set("x-tail", text);
}

function failIfAsked(text: string): void {
  if (text !== "fail") return;
  throw new ConnectError("failing on purpose", Code.FailedPrecondition, { "x-error": "yes" }, [
    { desc: ErrorInfoSchema, value: { reason: "ON_PURPOSE", domain: "rpcgen.test", metadata: { k: "v" } } },
    { desc: BadRequestSchema, value: { fieldViolations: [{ field: "text", description: "is fail" }] } },
  ]);
}

export interface ReferenceServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts connect-node on 127.0.0.1:0; `origins` may call it from a browser. With `http2`, it
 * speaks h2c only (for client and bidi streams), else HTTP/1.1 only.
 */
export async function startConnectNodeEcho(
  origins: readonly string[],
  options: { http2?: boolean; readMaxBytes?: number } = {},
): Promise<ReferenceServer> {
  const adapter = connectNodeAdapter({
    routes: (router) => router.service(EchoService, echo),
    ...(options.readMaxBytes === undefined ? {} : { readMaxBytes: options.readMaxBytes }),
  });
  const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const origin = req.headers.origin;
    if (origin !== undefined && origins.includes(origin)) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "origin");
      res.setHeader("access-control-expose-headers", "x-head, trailer-x-tail, grpc-status, grpc-message");
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", "POST, GET");
        res.setHeader("access-control-allow-headers", req.headers["access-control-request-headers"] ?? "");
        res.statusCode = 204;
        res.end();
        return;
      }
    }
    adapter(req, res);
  };
  const server = options.http2 ? createHttp2Server(handle) : createServer(handle);
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
