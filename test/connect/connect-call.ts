// Raw Connect requests for the tests: what a client that knows only HTTP sends, with nothing
// of rpcgen's in between, over HTTP/1.1 (node:http) or HTTP/2 (node:http2).
import * as http from "node:http";
import * as http2 from "node:http2";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP/1.1 request to 127.0.0.1:port. */
export function post(
  port: number,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A unary JSON call: the parsed body, status and headers. */
export async function postJson(
  port: number,
  path: string,
  json: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }> {
  const res = await post(port, path, JSON.stringify(json), { "content-type": "application/json", ...headers });
  return { status: res.status, headers: res.headers, json: JSON.parse(res.body.toString()) as Record<string, unknown> };
}

/** Envelopes: flags byte, big-endian length, payload. */
export function envelopes(...payloads: (Uint8Array | string)[]): Buffer {
  return Buffer.concat(
    payloads.map((p) => {
      const bytes = typeof p === "string" ? Buffer.from(p) : Buffer.from(p);
      const head = Buffer.alloc(5);
      head.writeUInt32BE(bytes.length, 1);
      return Buffer.concat([head, bytes]);
    }),
  );
}

export interface Frame {
  flags: number;
  payload: Buffer;
}

/** Splits a streaming response body into its envelopes; throws if it is cut short. */
export function frames(body: Buffer): Frame[] {
  const out: Frame[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 5 > body.length) throw new Error("body ends inside an envelope prefix");
    const length = body.readUInt32BE(at + 1);
    if (at + 5 + length > body.length) throw new Error("body ends inside an envelope");
    out.push({ flags: body[at] as number, payload: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

/** The JSON messages and the end-of-stream message of a `application/connect+json` response. */
export function jsonStream(body: Buffer): { messages: unknown[]; end: Record<string, unknown> } {
  const all = frames(body);
  const last = all.at(-1);
  if (last === undefined || last.flags !== 2) throw new Error("no end-of-stream envelope");
  return {
    messages: all.slice(0, -1).map((f) => JSON.parse(f.payload.toString()) as unknown),
    end: JSON.parse(last.payload.toString()) as Record<string, unknown>,
  };
}

/** A Connect streaming call over HTTP/2 (prior knowledge), the requests all sent, the response read whole. */
export function http2Stream(
  port: number,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/connect+json",
      ...headers,
    });
    let status = 0;
    let responseHeaders: http.IncomingHttpHeaders = {};
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      responseHeaders = h as http.IncomingHttpHeaders;
    });
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      session.close();
      resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) });
    });
    stream.on("error", reject);
    stream.end(body);
  });
}
