import type * as http from "node:http";
import type * as http2 from "node:http2";
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type WritableCall, type WriteEnd, writeMessage } from "../../shared/message-writer.js";
import { type MetadataInit, toMetadata } from "../../shared/metadata.js";
import type { RpcMethod } from "../../shared/method-definition.js";
import { Code, errorFromStatus, RpcError } from "../../shared/rpc-error.js";
import { deadlinePassed, type ServerStream } from "../call-context.js";
import type { CallOutcome } from "../call-middleware.js";
import type { OpenCall } from "../server-state.js";
import type { ConnectCodec } from "./connect-codecs.js";
import { httpStatusOf, metadataHeaders, metadataObject, wireError } from "./connect-error.js";
import { envelope, FLAG_END_STREAM } from "./envelope.js";

export type ConnectRequest = http.IncomingMessage | http2.Http2ServerRequest;
type Headers = Record<string, string | string[]>;

/** What the handler uses of `http.ServerResponse` and `http2.Http2ServerResponse` (the compat API). */
export interface ConnectResponse extends NodeJS.EventEmitter {
  readonly headersSent: boolean;
  writeHead(statusCode: number, headers: Headers): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  end(chunk: Uint8Array): unknown;
}

/**
 * One Connect call: the context its handler gets (the same `CallContext` a gRPC call gives,
 * with `protocol: "connect"` and no grpc-js `call`), and the response it writes. Only the first
 * answer counts: a deadline, the client leaving, or shutdown may end the call before the handler.
 */
export class ConnectCall implements ServerStream<DescMessage>, OpenCall, WriteEnd {
  readonly protocol = "connect" as const;
  readonly call = undefined;
  readonly method: string;
  readonly metadata: grpc.Metadata;
  readonly deadline: Date | undefined;
  readonly streaming: boolean;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** Resolves once the call has ended, with its status. */
  readonly ended: Promise<CallOutcome>;
  #settle!: (outcome: CallOutcome) => void;
  readonly #req: ConnectRequest;
  readonly #res: ConnectResponse;
  readonly #route: RpcMethod<DescMessage, DescMessage>;
  readonly #codec: ConnectCodec;
  readonly #contentType: string;
  /** Response headers so far: CORS, then what the handler adds with `sendHeader`. */
  readonly #headers: Headers;
  #trailer: grpc.Metadata | undefined;
  #controller: AbortController | undefined;
  #reason: RpcError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #headSent = false;
  #answered = false;
  readonly #onEnd: (call: ConnectCall) => void;
  /** Listeners of each message (tracing's message events); none in the common case. */
  readonly messageListeners: ((type: "SENT" | "RECEIVED") => void)[] = [];
  /** The response as the shared back-pressure writer sees it: each message in its envelope. */
  readonly #envelopes: WritableCall = {
    write: (message) => {
      const payload = this.#codec.serialize(this.#route, message as MessageShape<DescMessage>);
      this.#startStream();
      for (const listener of this.messageListeners) listener("SENT");
      return this.#res.write(envelope(0, payload));
    },
    once: (event, listener) => this.#res.once(event, listener),
    off: (event, listener) => this.#res.off(event, listener),
  };

  constructor(init: {
    req: ConnectRequest;
    res: ConnectResponse;
    method: RpcMethod<DescMessage, DescMessage>;
    codec: ConnectCodec;
    contentType: string;
    metadata: grpc.Metadata;
    headers: Headers;
    timeoutMs: number | undefined;
    onEnd: (call: ConnectCall) => void;
  }) {
    this.#req = init.req;
    this.#res = init.res;
    this.#route = init.method;
    this.method = init.method.path;
    this.requestStream = init.method.requestStream;
    this.responseStream = init.method.responseStream;
    this.streaming = this.requestStream || this.responseStream;
    this.ended = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.#codec = init.codec;
    this.#contentType = init.contentType;
    this.metadata = init.metadata;
    this.#headers = init.headers;
    this.#onEnd = init.onEnd;
    if (init.timeoutMs !== undefined) {
      this.deadline = new Date(Date.now() + init.timeoutMs);
      this.#armDeadline(this.deadline.getTime());
    }
    // 'close' comes after the response has finished, or when the client went away first. A
    // client gives up at its own deadline, just before the server's timer fires: that close
    // counts as the deadline passing, as on gRPC (cancelReason).
    init.res.once("close", () => {
      if (!this.#answered) {
        const deadline = this.deadline;
        const late = deadline !== undefined && deadlinePassed({ getDeadline: () => deadline });
        this.#finish(late ? deadlineExceeded() : new RpcError(Code.CANCELLED, "call cancelled"));
      }
      this.#abort(this.#reason ?? callEnded());
    });
  }

  get peer(): string {
    const socket = this.#req.socket;
    const address = socket.remoteAddress ?? "";
    return `${address.includes(":") ? `[${address}]` : address}:${socket.remotePort ?? 0}`;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get trailer(): grpc.Metadata {
    this.#trailer ??= new grpc.Metadata();
    return this.#trailer;
  }

  /** Whether the call has its answer (or lost its client): later answers are dropped. */
  get answered(): boolean {
    return this.#answered;
  }

  /** Why the call ended, if it failed. */
  get reason(): RpcError | undefined {
    return this.#reason;
  }

  sendHeader(metadata: MetadataInit): void {
    if (this.#headSent) return;
    for (const [key, value] of metadataHeaders(toMetadata(metadata))) addHeader(this.#headers, key, value);
    // A stream's headers can go now; a unary response sends them with its body.
    if (this.#route.responseStream) this.#startStream();
  }

  /**
   * The one response of a unary or client-streaming call: for unary, the message as the body and
   * trailers as `trailer-` headers; for client streaming, one envelope and the end of the stream.
   */
  answer(init: MessageInitShape<DescMessage>): void {
    if (this.#answered) return;
    if (this.streaming) {
      this.send(init).then(
        () => this.end(undefined),
        (err: unknown) => this.end(RpcError.from(err)),
      );
      return;
    }
    let body: Uint8Array;
    try {
      body = this.#codec.serialize(this.#route, create(this.#route.output, init));
    } catch (err) {
      this.end(RpcError.from(err));
      return;
    }
    const headers = this.#headers;
    headers["content-type"] = this.#contentType;
    for (const [key, value] of metadataHeaders(this.#trailer, "trailer-")) addHeader(headers, key, value);
    headers["content-length"] = String(body.byteLength);
    this.#finish(undefined);
    this.#res.writeHead(200, exposed(headers));
    this.#res.end(body);
  }

  /** Streams: the next response message, resolving once the connection can take more. */
  send(init: MessageInitShape<DescMessage>): Promise<void> {
    try {
      return writeMessage(this.#envelopes, this.#route.output, this, init);
    } catch (err) {
      // The message did not serialize.
      return Promise.reject(err);
    }
  }

  /** The stream's end as its sends see it (WriteEnd): a send after the end rejects with why it ended. */
  outcome(): Error | undefined {
    return this.#answered ? (this.#reason ?? callEnded()) : undefined;
  }

  whenEnded(wake: () => void): () => void {
    this.#res.once("close", wake);
    return () => this.#res.off("close", wake);
  }

  /**
   * Ends the call: with `undefined`, a stream's successful end (a unary call answers with
   * `answer`); with an error, its status: Connect's error JSON with the HTTP status of its
   * code for unary calls, the end-of-stream message for streams.
   */
  end(error: RpcError | grpc.StatusObject | undefined): void {
    if (this.#answered) return;
    const err = error === undefined || error instanceof RpcError ? error : errorFromStatus(error);
    const trailer = this.#trailer?.clone() ?? new grpc.Metadata();
    if (err !== undefined) trailer.merge(err.metadata);
    this.#finish(err);
    const res = this.#res;
    if (this.streaming) {
      this.#startStream();
      const end: { error?: unknown; metadata?: unknown } = {};
      if (err !== undefined) end.error = wireError(err);
      const metadata = metadataObject(trailer);
      if (metadata !== undefined) end.metadata = metadata;
      res.end(envelope(FLAG_END_STREAM, Buffer.from(JSON.stringify(end))));
      return;
    }
    const e = err ?? new RpcError(Code.INTERNAL, "the call ended without a response");
    const body = Buffer.from(JSON.stringify(wireError(e)));
    const headers = this.#headers;
    headers["content-type"] = "application/json";
    for (const [key, value] of metadataHeaders(trailer)) addHeader(headers, key, value);
    headers["content-length"] = String(body.byteLength);
    res.writeHead(httpStatusOf(e.code), exposed(headers));
    res.end(body);
  }

  /**
   * Ends the call at `at` (epoch ms). Connect allows 10 digits of milliseconds (115 days), but
   * setTimeout fires at once for more than 2^31 − 1 ms (24.8 days): longer waits go in steps.
   */
  #armDeadline(at: number): void {
    const left = at - Date.now();
    this.#timer = setTimeout(
      () => (left > MAX_TIMER_MS ? this.#armDeadline(at) : this.end(deadlineExceeded())),
      Math.min(Math.max(left, 0), MAX_TIMER_MS),
    );
  }

  #startStream(): void {
    if (this.#headSent) return;
    this.#headSent = true;
    this.#headers["content-type"] = this.#contentType;
    this.#res.writeHead(200, exposed(this.#headers));
  }

  #finish(reason: RpcError | undefined): void {
    this.#answered = true;
    this.#reason = reason;
    clearTimeout(this.#timer);
    this.#onEnd(this);
    this.#settle(reason === undefined ? OK : { code: reason.code, details: reason.message });
    // The handler's signal fires for a call that died; one that was answered aborts on 'close'.
    if (reason !== undefined) this.#abort(reason);
  }

  #abort(reason: RpcError): void {
    this.#reason ??= reason;
    if (this.#controller !== undefined && !this.#controller.signal.aborted) this.#controller.abort(reason);
  }
}

const OK: CallOutcome = { code: Code.OK, details: "" };
/** The longest delay setTimeout keeps (a signed 32-bit count of milliseconds). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function deadlineExceeded(): RpcError {
  return new RpcError(Code.DEADLINE_EXCEEDED, "deadline exceeded");
}

/** Why a send or a read after the end of a call that ended well fails. */
export function callEnded(): RpcError {
  return new RpcError(Code.CANCELLED, "call ended");
}

const NOT_EXPOSED = new Set(["content-type", "content-length", "vary"]);

/**
 * With CORS on, a page may read only the response headers the server lists: list every header
 * and `trailer-` header this response carries, so the handler's metadata reaches the page
 * without naming each key in `cors.exposeHeaders`.
 */
function exposed(headers: Headers): Headers {
  const expose = headers["access-control-expose-headers"];
  if (typeof expose !== "string") return headers;
  const names = Object.keys(headers).filter((key) => !NOT_EXPOSED.has(key) && !key.startsWith("access-control-"));
  if (names.length > 0) headers["access-control-expose-headers"] = [expose, ...names].join(", ");
  return headers;
}

function addHeader(headers: Headers, key: string, value: string): void {
  const existing = headers[key];
  if (existing === undefined) headers[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[key] = [existing, value];
}
