// The script a browser page runs against a Connect server on another origin, with nothing but
// `fetch`: a unary JSON call with a custom request header (so the browser must send a CORS
// preflight first), a server stream read as 5-byte envelopes from a ReadableStream, and a
// failing call whose error JSON carries details. It returns what it saw, for the test to check.

/** What the page reports. */
export interface PageReport {
  unary: { status: number; contentType: string | null; head: string | null; tail: string | null; body: unknown };
  stream: {
    status: number;
    contentType: string | null;
    frames: { flags: number; data: unknown }[];
    leftoverBytes: number;
  };
  error: { status: number; contentType: string | null; body: unknown };
}

/** The body of an async function for `PageRun.run`, calling the EchoService at `target`. */
export function connectCallsScript(target: string): string {
  return `
const target = ${JSON.stringify(target)};
const service = target + "/fixtures.echo.v1.EchoService/";
const unaryCall = (text) => fetch(service + "Echo", {
  method: "POST",
  headers: { "content-type": "application/json", "connect-protocol-version": "1", "x-in": "from-browser" },
  body: JSON.stringify({ text }),
});

const u = await unaryCall("hello from chromium");
const unary = {
  status: u.status,
  contentType: u.headers.get("content-type"),
  head: u.headers.get("x-head"),
  tail: u.headers.get("trailer-x-tail"),
  body: await u.json(),
};

const json = new TextEncoder().encode(JSON.stringify({ text: "tick", count: 3 }));
const request = new Uint8Array(5 + json.length);
new DataView(request.buffer).setUint32(1, json.length);
request.set(json, 5);
const s = await fetch(service + "ServerStream", {
  method: "POST",
  headers: { "content-type": "application/connect+json", "connect-protocol-version": "1" },
  body: request,
});
const reader = s.body.getReader();
const decoder = new TextDecoder();
const frames = [];
let buffered = new Uint8Array(0);
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  const joined = new Uint8Array(buffered.length + value.length);
  joined.set(buffered);
  joined.set(value, buffered.length);
  buffered = joined;
  while (buffered.length >= 5) {
    const length = new DataView(buffered.buffer, buffered.byteOffset).getUint32(1);
    if (buffered.length < 5 + length) break;
    frames.push({ flags: buffered[0], data: JSON.parse(decoder.decode(buffered.subarray(5, 5 + length))) });
    buffered = buffered.subarray(5 + length);
  }
}
const stream = { status: s.status, contentType: s.headers.get("content-type"), frames, leftoverBytes: buffered.length };

const e = await unaryCall("fail");
const error = { status: e.status, contentType: e.headers.get("content-type"), body: await e.json() };
return { unary, stream, error };
`;
}
