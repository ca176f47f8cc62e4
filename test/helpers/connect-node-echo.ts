// connect-node's own Connect server (connectNodeAdapter on node:http, HTTP/1.1) serving the
// EchoService as test/runtime/echo-impl.ts does, with a small CORS layer. A reference nobody
// here wrote: the client harnesses (the browser page, raw requests) are checked against it, so
// that a failure against rpcgen's server is rpcgen's and not the harness's.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { BadRequestSchema, ErrorInfoSchema } from "@rpcgen/runtime";
import { EchoService } from "../golden/ts/fixtures/echo_pb.js";

/** Request header `x-in` comes back as header `x-head` and trailer `x-tail`; "fail" fails with details. */
const echo: Partial<ServiceImpl<typeof EchoService>> = {
  echo(request, ctx) {
    echoMetadata(ctx);
    failIfAsked(request.text);
    return { text: request.text };
  },
  async *serverStream(request, ctx) {
    echoMetadata(ctx);
    for (let i = 0; i < Math.max(request.count, 1); i++) yield { text: request.text, index: i };
    failIfAsked(request.text);
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

/** Starts connect-node on 127.0.0.1:0; `origins` may call it from a browser. */
export async function startConnectNodeEcho(origins: readonly string[]): Promise<ReferenceServer> {
  const adapter = connectNodeAdapter({ routes: (router) => router.service(EchoService, echo) });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (origin !== undefined && origins.includes(origin)) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "origin");
      res.setHeader("access-control-expose-headers", "x-head, trailer-x-tail, grpc-status, grpc-message");
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", "POST, GET");
        res.setHeader("access-control-allow-headers", req.headers["access-control-request-headers"] ?? "");
        res.writeHead(204).end();
        return;
      }
    }
    adapter(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
