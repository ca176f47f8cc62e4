// Raw Connect requests over node:http and node:http2, what a client that knows only HTTP sends
// (and inputs no well-behaved client sends): bodies are bytes, nothing is checked on the way
// out, and the answer is read back as bytes, then as Connect's outcome (an HTTP status plus the
// error code of the error JSON or of the end-of-stream envelope), or as JSON.
import { request } from "node:http";
import { type ClientHttp2Session, connect, constants } from "node:http2";

const { NGHTTP2_CANCEL } = constants;

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  path: string;
  /** Default POST. */
  method?: string;
  contentType?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Leave the request body open after `body` (chunked): the server must answer without its end. */
  keepOpen?: boolean;
  timeoutMs?: number;
}

/** One request (POST unless told) on its own connection (no agent); rejects on a reset, a timeout or a hang-up. */
export function rawPost(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.contentType !== undefined) headers["content-type"] = req.contentType;
    if (!req.keepOpen) headers["content-length"] = String(req.body?.length ?? 0);
    const method = req.method ?? "POST";
    const r = request({ host: "127.0.0.1", port, method, path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        r.destroy();
      });
      res.on("error", reject);
    });
    r.setTimeout(req.timeoutMs ?? 10_000, () => r.destroy(new Error(`no answer to ${req.path} in time`)));
    r.on("error", reject);
    if (req.body !== undefined && req.body.length > 0) r.write(req.body);
    if (!req.keepOpen) r.end();
  });
}

/** A Connect envelope: flags, a big-endian uint32 length (`claim`, by default the real one), the data. */
export function envelope(data: Uint8Array, flags = 0, claim = data.length): Buffer {
  const out = Buffer.alloc(5 + data.length);
  out[0] = flags;
  out.writeUInt32BE(claim >>> 0, 1);
  out.set(data, 5);
  return out;
}

export interface Frame {
  flags: number;
  data: Buffer;
}

/** Splits a streaming response body into envelopes; what is left over is `rest`. */
export function frames(body: Buffer): { frames: Frame[]; rest: number } {
  const out: Frame[] = [];
  let at = 0;
  while (body.length - at >= 5) {
    const length = body.readUInt32BE(at + 1);
    if (body.length - at - 5 < length) break;
    out.push({ flags: body[at] as number, data: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return { frames: out, rest: body.length - at };
}

export interface Outcome {
  status: number;
  /** The Connect error code, or "ok". */
  code: string;
  messages: number;
}

/**
 * What a raw response means in Connect terms. Throws when it is neither a success nor a
 * well-formed Connect error, so that a malformed answer fails the test.
 */
export function outcome(res: RawResponse): Outcome {
  const type = String(res.headers["content-type"] ?? "");
  if (type.startsWith("application/connect+")) {
    const { frames: all, rest } = frames(res.body);
    const end = all.at(-1);
    if (rest !== 0 || end === undefined || end.flags !== 2) {
      throw new Error(`a stream response without a final end-of-stream envelope (${res.body.length} bytes)`);
    }
    const json = JSON.parse(end.data.toString("utf8")) as { error?: { code?: string } };
    return { status: res.status, code: json.error?.code ?? "ok", messages: all.length - 1 };
  }
  if (res.status === 200) return { status: res.status, code: "ok", messages: 1 };
  if (!type.startsWith("application/json")) {
    // A 415 may answer without a body: the protocol lets the server skip the error JSON there.
    return { status: res.status, code: "", messages: 0 };
  }
  const json = JSON.parse(res.body.toString("utf8")) as { code?: unknown; message?: unknown };
  if (typeof json.code !== "string") throw new Error(`error JSON without a code: ${res.body.toString("utf8")}`);
  return { status: res.status, code: json.code, messages: 0 };
}

/** One POST as a stream of an HTTP/2 session (h2c); rejects on a reset or a timeout. */
export function rawH2Post(session: ClientHttp2Session, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ":method": "POST", ":path": req.path, ...req.headers };
    if (req.contentType !== undefined) headers["content-type"] = req.contentType;
    const stream = session.request(headers);
    const chunks: Buffer[] = [];
    let status = 0;
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      responseHeaders = h;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    stream.setTimeout(req.timeoutMs ?? 10_000, () => stream.close(NGHTTP2_CANCEL));
    stream.on("close", () => {
      if (status === 0) reject(new Error(`stream ${req.path} closed without a response (code ${stream.rstCode})`));
    });
    if (req.body !== undefined && req.body.length > 0) stream.write(req.body);
    if (!req.keepOpen) stream.end();
  });
}

/** A request with a string or byte body and the given headers (`rawPost` with fewer words). */
export function post(
  port: number,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<RawResponse> {
  return rawPost(port, { path, method, headers, body: Buffer.from(body) });
}

/** A unary JSON call: its status, headers and parsed body. */
export async function postJson(
  port: number,
  path: string,
  json: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: RawResponse["headers"]; json: Record<string, unknown> }> {
  const res = await post(port, path, JSON.stringify(json), { "content-type": "application/json", ...headers });
  return { status: res.status, headers: res.headers, json: JSON.parse(res.body.toString()) as Record<string, unknown> };
}

/** Several messages, each in its envelope, as one streaming request body. */
export function envelopes(...payloads: (Uint8Array | string)[]): Buffer {
  return Buffer.concat(payloads.map((p) => envelope(Buffer.from(p))));
}

/** The JSON messages and the end-of-stream message of an `application/connect+json` body; throws if it is cut short. */
export function jsonStream(body: Buffer): { messages: unknown[]; end: Record<string, unknown> } {
  const { frames: all, rest } = frames(body);
  const last = all.at(-1);
  if (rest !== 0 || last === undefined || last.flags !== 2) throw new Error("no end-of-stream envelope");
  return {
    messages: all.slice(0, -1).map((f) => JSON.parse(f.data.toString()) as unknown),
    end: JSON.parse(last.data.toString()) as Record<string, unknown>,
  };
}

/** A Connect streaming call over HTTP/2 (prior knowledge) on a session of its own, the requests all sent. */
export async function http2Stream(
  port: number,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await rawH2Post(session, { path, contentType: "application/connect+json", headers, body });
  } finally {
    session.close();
  }
}
