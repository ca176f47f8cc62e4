import { gunzip } from "node:zlib";
import type { DescMessage, MessageInitShape, Registry } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "../../shared/rpc-error.js";
import { serverInterceptors } from "../../upstream/server-interceptors.js";
import { type CallInfo, type CallMiddleware, type CallOutcome, callMiddlewareOf } from "../call-middleware.js";
import { sendResults } from "../register-service.js";
import { type Route, serverState } from "../server-state.js";
import { ConnectCall, type ConnectRequest, type ConnectResponse, callEnded } from "./connect-call.js";
import { type ConnectCodec, connectCodecs, registryOf } from "./connect-codecs.js";
import { httpStatusOf, wireError } from "./connect-error.js";
import { ConnectRequestStream } from "./connect-request-stream.js";
import { type CorsOptions, corsHeaders } from "./cors.js";
import { readMessages } from "./envelope.js";
import { requestMetadata } from "./request-metadata.js";

/** How the Connect side of a server behaves. */
export interface ConnectOptions {
  /** Let pages on other origins call the service from a browser. Off by default. */
  cors?: CorsOptions;
  /** Accept JSON fields the message does not have (ignoring them). Default false: INVALID_ARGUMENT. */
  allowUnknownJsonFields?: boolean;
  /**
   * The largest request message, in bytes (after decompression); larger ones answer
   * RESOURCE_EXHAUSTED. Default: the server's `grpc.max_receive_message_length`, else 4 MiB, as grpc-js.
   */
  maxMessageBytes?: number;
}

/** Connect's protocol version, the only one there is. */
const PROTOCOL_VERSION = "1";
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

type Handler = (...args: never[]) => unknown;
type Headers = Record<string, string | string[]>;

/** The Connect handler of one grpc-js server, for `node:http` and `node:http2` (compat API) alike. */
export interface ConnectHandler {
  (req: ConnectRequest, res: ConnectResponse): void;
  /** Calls in progress. */
  readonly open: ReadonlySet<ConnectCall>;
  /** Called when the last open call ends. */
  onIdle: (() => void) | undefined;
}

/**
 * Answers Connect requests with the handlers `registerService` mounted on `server`, through the
 * same interceptors (their Connect middleware; see `withCallMiddleware`).
 */
export function connectHandler(server: grpc.Server, options: ConnectOptions = {}): ConnectHandler {
  const state = serverState(server);
  const middlewares = connectMiddlewares(server);
  const serverOptions = (server as unknown as { options?: Record<string, unknown> }).options ?? {};
  const configured = serverOptions["grpc.max_receive_message_length"];
  const maxBytes =
    options.maxMessageBytes ?? (typeof configured === "number" && configured >= 0 ? configured : DEFAULT_MAX_BYTES);
  const allowUnknown = options.allowUnknownJsonFields === true;
  let codecs: { json: ConnectCodec; proto: ConnectCodec; routes: number } | undefined;
  // Built on first use and again when services were added since: JSON needs their types for Any.
  const codecsNow = () => {
    if (codecs === undefined || codecs.routes !== state.routes.size) {
      const registry: Registry = registryOf([...state.services.values()].map((s) => s.file));
      codecs = { ...connectCodecs(registry, allowUnknown), routes: state.routes.size };
    }
    return codecs;
  };
  const open = new Set<ConnectCall>();

  const handler = ((req: ConnectRequest, res: ConnectResponse) => {
    try {
      serve(req, res);
    } catch (err) {
      // A bug here must cost one request, never the process.
      refuse(
        res,
        {},
        500,
        Code.INTERNAL,
        `cannot serve the request: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }) as ConnectHandler;

  const serve = (req: ConnectRequest, res: ConnectResponse) => {
    let headers: Headers = {};
    if (options.cors !== undefined) {
      const cors = corsHeaders(options.cors, req.headers, req.method);
      headers = cors.headers;
      if (cors.preflight) {
        res.writeHead(cors.allowed ? 204 : 403, headers);
        res.end();
        return;
      }
    }
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const route = state.routes.get(path);
    if (route === undefined) return refuse(res, headers, 404, Code.UNIMPLEMENTED, `unknown method ${path}`);
    const method = route.method;
    const streaming = method.requestStream || method.responseStream;
    let contentType: string;
    let getMessage: Uint8Array | undefined;
    if (req.method === "POST") {
      const type = mediaType(req.headers["content-type"]);
      const expected = streaming ? STREAM_TYPES : UNARY_TYPES;
      if (type === undefined || !expected.includes(type)) {
        headers["accept-post"] = expected.join(", ");
        return refuse(
          res,
          headers,
          415,
          Code.UNKNOWN,
          `content-type ${req.headers["content-type"] ?? "(none)"} is not ${expected.join(" or ")}`,
        );
      }
      contentType = type;
    } else if (
      req.method === "GET" &&
      !streaming &&
      method.descriptor?.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
    ) {
      const get = getRequest(url.slice(query + 1));
      if (typeof get === "string") return refuse(res, headers, 400, Code.INVALID_ARGUMENT, get);
      contentType = get.contentType;
      getMessage = get.message;
    } else {
      headers.allow = "POST";
      return refuse(res, headers, 405, Code.UNKNOWN, `${req.method ?? "?"} is not allowed on ${path}`);
    }
    const version = header(req, "connect-protocol-version");
    if (version !== undefined && version !== PROTOCOL_VERSION) {
      return refuse(res, headers, 400, Code.INVALID_ARGUMENT, `connect-protocol-version must be ${PROTOCOL_VERSION}`);
    }
    const timeout = header(req, "connect-timeout-ms");
    if (timeout !== undefined && !/^\d{1,10}$/.test(timeout)) {
      return refuse(res, headers, 400, Code.INVALID_ARGUMENT, `connect-timeout-ms "${timeout}" is not 1 to 10 digits`);
    }
    const encoding = header(req, streaming ? "connect-content-encoding" : "content-encoding");
    if (encoding !== undefined && encoding !== "identity" && (streaming || encoding !== "gzip")) {
      return refuse(
        res,
        headers,
        httpStatusOf(Code.UNIMPLEMENTED),
        Code.UNIMPLEMENTED,
        `unsupported encoding ${encoding}`,
      );
    }
    const json = contentType.endsWith("json");
    const codec = json ? codecsNow().json : codecsNow().proto;
    const call = new ConnectCall({
      req,
      res,
      method,
      codec,
      contentType,
      metadata: requestMetadata(req.headers),
      headers,
      timeoutMs: timeout === undefined ? undefined : Number(timeout),
      onEnd: (ended) => {
        state.openCalls.delete(ended);
        open.delete(ended);
        if (open.size === 0) handler.onIdle?.();
      },
    });
    open.add(call);
    state.openCalls.add(call);
    const body: () => Promise<Uint8Array> =
      getMessage !== undefined ? () => Promise.resolve(getMessage) : () => readBody(req, maxBytes, encoding === "gzip");
    const run = () => runHandler(route, call, codec, req, body, maxBytes);
    let next = run;
    const info = middlewares.length > 0 ? callInfo(call, req) : undefined;
    // grpc-js wraps the call in the first interceptor outermost: the first sees a call first and
    // its end last, and so sees what a later one (bearerAuth) refuses. The same order here.
    for (let i = middlewares.length - 1; i >= 0; i--) {
      const middleware = middlewares[i] as CallMiddleware;
      const inner = next;
      next = () => middleware(info as CallInfo, inner);
    }
    next().then(
      (outcome) => {
        if (!call.answered)
          call.end(new RpcError(outcome.code === Code.OK ? Code.INTERNAL : outcome.code, outcome.details));
      },
      (err: unknown) => call.end(RpcError.from(err)),
    );
  };
  Object.defineProperty(handler, "open", { value: open });
  handler.onIdle = undefined;
  return handler;
}

function header(req: ConnectRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

const UNARY_TYPES = ["application/json", "application/proto"];
const STREAM_TYPES = ["application/connect+json", "application/connect+proto"];

/** `application/json; charset=utf-8` → `application/json`; a charset other than UTF-8 is refused. */
function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const [type, ...params] = header.toLowerCase().split(";");
  for (const param of params) {
    const [key, value] = param.trim().split("=");
    if (key === "charset" && value !== "utf-8" && value !== '"utf-8"') return undefined;
  }
  return type?.trim();
}

/** A GET request's query: `encoding`, `message` (URL-encoded, or base64url with `base64=1`). */
function getRequest(query: string): { contentType: string; message: Uint8Array } | string {
  const params = new URLSearchParams(query);
  const encoding = params.get("encoding");
  if (encoding !== "json" && encoding !== "proto") return "a GET request needs encoding=json or encoding=proto";
  const compression = params.get("compression");
  if (compression !== null && compression !== "identity") return `unsupported compression ${compression}`;
  const message = params.get("message") ?? "";
  const bytes = params.get("base64") === "1" ? Buffer.from(message, "base64url") : Buffer.from(message, "utf8");
  return { contentType: `application/${encoding}`, message: bytes };
}

function refuse(res: ConnectResponse, headers: Headers, status: number, code: Code, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = Buffer.from(JSON.stringify(wireError(new RpcError(code, message))));
  headers["content-type"] = "application/json";
  headers["content-length"] = String(body.byteLength);
  res.writeHead(status, headers);
  res.end(body);
}

/** The server's interceptors as Connect middleware; one that has none would be skipped silently, so refuse it. */
function connectMiddlewares(server: grpc.Server): CallMiddleware[] {
  return serverInterceptors(server).map((interceptor, i) => {
    const middleware = callMiddlewareOf(interceptor);
    if (middleware === undefined) {
      throw new TypeError(
        `interceptor ${i} (${interceptor.name || "anonymous"}) works only for gRPC, so Connect calls would skip it: ` +
          "give it a Connect counterpart with withCallMiddleware(), or listen with connect: false",
      );
    }
    return middleware;
  });
}

function callInfo(call: ConnectCall, req: ConnectRequest): CallInfo {
  const method = call.method;
  return {
    protocol: "connect",
    method,
    requestStream: call.requestStream,
    responseStream: call.responseStream,
    metadata: call.metadata,
    peer: call.peer,
    localAddress: req.socket.localAddress,
    localPort: req.socket.localPort,
    remoteAddress: req.socket.remoteAddress,
    remotePort: req.socket.remotePort,
    onMessage: (listener) => call.messageListeners.push(listener),
  };
}

/**
 * The most bytes gzip can make of a message of `maxBytes`: deflate's stored blocks add 5 bytes
 * per 64 KiB, the gzip frame 18. A compressed body past this cannot inflate to an allowed size.
 */
function gzipBound(maxBytes: number): number {
  return maxBytes + 5 * (Math.ceil(maxBytes / 65_535) + 1) + 18;
}

/**
 * Reads a unary body, refusing one over the limit as it arrives (before it is all buffered);
 * a gzipped one is bounded twice: as it arrives by `gzipBound`, and as it inflates by the limit.
 */
function readBody(req: ConnectRequest, maxBytes: number, gzipped: boolean): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const wireLimit = gzipped ? gzipBound(maxBytes) : maxBytes;
    const declared = Number(req.headers["content-length"]);
    if (declared > wireLimit) return reject(tooLarge(declared, wireLimit));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > wireLimit) {
        cleanup();
        reject(tooLarge(size, wireLimit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      if (!gzipped) return resolve(bytes);
      gunzip(bytes, { maxOutputLength: Math.max(maxBytes, 1) }, (err, out) => {
        if (err === null) resolve(out);
        else if (err instanceof RangeError) reject(tooLarge(maxBytes + 1, maxBytes));
        else reject(new RpcError(Code.INVALID_ARGUMENT, `cannot gunzip the request: ${err.message}`));
      });
    };
    const onClose = () => {
      cleanup();
      reject(new RpcError(Code.CANCELLED, "the client closed the request"));
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onClose);
      req.off("aborted", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onClose);
    req.on("aborted", onClose);
  });
}

function tooLarge(size: number, max: number): RpcError {
  return new RpcError(Code.RESOURCE_EXHAUSTED, `request message of ${size} bytes is larger than the limit of ${max}`);
}

/** Runs the handler as its call kind wants it; resolves with the call's outcome once it has ended. */
function runHandler(
  route: Route,
  call: ConnectCall,
  codec: ConnectCodec,
  req: ConnectRequest,
  body: () => Promise<Uint8Array>,
  maxBytes: number,
): Promise<CallOutcome> {
  const { method } = route;
  const handler = route.handler as Handler as (input: unknown, ctx: ConnectCall) => unknown;
  const fail = (err: unknown) => call.end(RpcError.from(err));
  if (!method.requestStream && !method.responseStream) {
    body()
      .then((bytes) => {
        const request = codec.parse(method, bytes);
        return handler(request, call);
      })
      .then((result) => call.answer(result as MessageInitShape<DescMessage>), fail);
    return call.ended;
  }
  const dead = () => (call.answered ? (call.reason ?? callEnded()) : undefined);
  const input: Promise<unknown> = method.requestStream
    ? Promise.resolve(
        new ConnectRequestStream(req as AsyncIterable<Uint8Array>, method, codec, maxBytes, dead, () => {
          for (const listener of call.messageListeners) listener("RECEIVED");
        }),
      )
    : onlyMessage(req as AsyncIterable<Uint8Array>, maxBytes).then((bytes) => {
        for (const listener of call.messageListeners) listener("RECEIVED");
        return codec.parse(method, bytes);
      });
  input
    .then(async (request) => {
      const result = handler(request, call);
      if (!method.responseStream) {
        call.answer((await result) as MessageInitShape<DescMessage>);
        return;
      }
      await sendResults(result, call);
      call.end(undefined);
    })
    .catch(fail);
  return call.ended;
}

/** A server-streaming request: exactly one message envelope. */
async function onlyMessage(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  let message: Uint8Array | undefined;
  for await (const payload of readMessages(body, maxBytes)) {
    if (message !== undefined)
      throw new RpcError(Code.INVALID_ARGUMENT, "protocol error: a server-streaming request has more than one message");
    message = payload;
  }
  if (message === undefined) throw new RpcError(Code.INVALID_ARGUMENT, "protocol error: the request has no message");
  return message;
}
