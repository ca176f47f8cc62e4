// Clients nobody here wrote call one EchoService implementation over the Connect protocol on
// the gRPC port (HTTP/1.1) and on the extra Connect port (HTTP/2), and get what rpcgen's
// generated gRPC client gets from the same server: buf curl, connect-node's Connect transport,
// Python's standard library and curl.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Client, Code as ConnectCode, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import {
  BadRequestSchema,
  bearerAuth,
  type CallContext,
  Code,
  ErrorInfoSchema,
  listen,
  RpcError,
  shutdownGracefully,
} from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EchoRequest, EchoService } from "../golden/ts/fixtures/echo_pb.js";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { BUF, echoSchema } from "../helpers/buf-schema.js";
import { requireBinary } from "../helpers/service-process.js";
import { TestEcho } from "../runtime/echo-impl.js";

const run = promisify(execFile);
const curl = requireBinary("curl", "curl");
const python3 = requireBinary("python3", "python3");

interface UnderTest {
  /** host:port of gRPC (HTTP/2), and of Connect over HTTP/1.1: the same port. */
  grpcAddress: string;
  connectUrl: string;
  /** The extra Connect-only port, HTTP/2 (h2c): client and bidi streams. */
  connectH2Url: string;
  close(): Promise<void>;
}

/** TestEcho, where "patient" answers after 100 ms: long enough for a timer that fired early to win. */
class PatientEcho extends TestEcho {
  override async echo(request: EchoRequest, ctx: CallContext) {
    if (request.text === "patient") await new Promise((resolve) => setTimeout(resolve, 100));
    return super.echo(request, ctx);
  }
}

let impl: PatientEcho;
let server: UnderTest;
let grpcClient: EchoServiceClient;
let schema: string;
let temp: string;

/** The EchoService on a grpc-js server, served by listen(): gRPC and Connect on one port, plus the Connect port. */
async function startUnderTest(echo: TestEcho): Promise<UnderTest> {
  const grpcServer = new grpc.Server();
  registerEchoServiceServer(grpcServer, echo);
  const listening = await listen(grpcServer, "127.0.0.1:0", { connect: { port: 0 } });
  return {
    grpcAddress: `127.0.0.1:${listening.port}`,
    connectUrl: `http://127.0.0.1:${listening.port}`,
    connectH2Url: `http://127.0.0.1:${listening.connectPort}`,
    close: () => shutdownGracefully(grpcServer, { graceMs: 1000, forceAfterMs: 1000 }),
  };
}

beforeAll(async () => {
  impl = new PatientEcho();
  server = await startUnderTest(impl);
  grpcClient = new EchoServiceClient(server.grpcAddress, grpc.credentials.createInsecure());
  temp = mkdtempSync(join(tmpdir(), "rpcgen-connect-clients-"));
  schema = await echoSchema(temp);
});

afterAll(async () => {
  grpcClient?.$close();
  await server?.close();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

async function grpcError(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

/** A detail's bytes in Connect's error JSON: base64, padding optional. */
function unpadded(base64: string): string {
  return base64.replace(/=+$/, "");
}

/** What the gRPC client sees of the "fail" error, in Connect's error JSON terms. */
async function grpcFailure() {
  const err = await grpcError(grpcClient.echo({ text: "fail" }));
  expect(err.code).toBe(Code.FAILED_PRECONDITION);
  return {
    message: err.message,
    details: err.details.map((any) => ({
      type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1),
      value: unpadded(Buffer.from(any.value).toString("base64")),
    })),
  };
}

interface BufCall {
  method: string;
  /** One JSON document per request message. */
  data: object | object[];
  protocol: "connect" | "grpc";
  /** Where to call: the shared port (default) or another base URL. */
  base?: string;
  flags?: string[];
}

/** buf curl, with the schema from the descriptor set. */
const bufCurl = ({ method, data, protocol, base = server.connectUrl, flags = [] }: BufCall) => {
  const documents = (Array.isArray(data) ? data : [data]).map((d) => JSON.stringify(d)).join("\n");
  const url = `${base}/fixtures.echo.v1.EchoService/${method}`;
  return run(BUF, ["curl", "--schema", schema, "--protocol", protocol, "-d", documents, ...flags, url], {
    timeout: 20_000,
  });
};

/** Splits buf curl's output, one pretty-printed JSON document per message. */
const documents = (stdout: string): unknown[] =>
  stdout
    .split(/\n(?=\{)/)
    .filter((m) => m.trim())
    .map((m) => JSON.parse(m));

/** `client` aborts a server stream after 3 messages: it sees Canceled, the handler's signal CANCELLED. */
async function abortsPartWay(client: Client<typeof EchoService>): Promise<void> {
  impl.aborted.length = 0;
  const controller = new AbortController();
  const got: number[] = [];
  const err = await (async () => {
    // "hang": the handler sends `count` messages, then waits for its signal.
    for await (const r of client.serverStream({ text: "hang", count: 3 }, { signal: controller.signal })) {
      got.push(r.index);
      if (got.length === 3) controller.abort();
    }
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(got).toEqual([0, 1, 2]);
  expect((err as ConnectError).code).toBe(ConnectCode.Canceled);
  await expect.poll(() => impl.aborted).toEqual(["ServerStream: CANCELLED"]);
}

describe("buf curl --protocol connect (HTTP/1.1, binary)", () => {
  it("calls unary, with headers and trailers both ways, and gets what the gRPC client gets", async () => {
    const { stdout, stderr } = await bufCurl({
      method: "Echo",
      data: { text: "hi buf" },
      protocol: "connect",
      flags: ["-H", "x-in: from-buf", "-v"],
    });
    const viaGrpc = await grpcClient.echo({ text: "hi buf" });
    expect(JSON.parse(stdout)).toEqual({ text: viaGrpc.text });
    expect(stderr).toMatch(/< \(#1\) HTTP\/1\.1 200/);
    expect(stderr).toMatch(/< \(#1\) X-Head: from-buf/i);
    expect(stderr).toMatch(/< \(#1\) Trailer-X-Tail: from-buf/i);
  });

  it("reads a server stream", async () => {
    const { stdout } = await bufCurl({
      method: "ServerStream",
      data: { text: "s", count: 3 },
      protocol: "connect",
      flags: ["--emit-defaults"],
    });
    const viaGrpc: { text: string; index: number }[] = [];
    for await (const r of grpcClient.serverStream({ text: "s", count: 3 }))
      viaGrpc.push({ text: r.text, index: r.index });
    const messages = documents(stdout);
    expect(messages).toEqual(viaGrpc);
    expect(messages).toHaveLength(3);
  });

  it("prints an error with its google.rpc details, the bytes the gRPC side sends", async () => {
    const failed = await bufCurl({ method: "Echo", data: { text: "fail" }, protocol: "connect" }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).not.toBe(0);
    const printed = JSON.parse(failed?.stderr ?? "{}");
    const viaGrpc = await grpcFailure();
    expect(printed.code).toBe("failed_precondition");
    expect(printed.message).toBe(viaGrpc.message);
    expect(
      printed.details.map((d: { type: string; value: string }) => ({ type: d.type, value: unpadded(d.value) })),
    ).toEqual(viaGrpc.details);
  });
});

describe("buf curl --protocol connect, client streaming over HTTP/1.1 (half duplex)", () => {
  it("on the shared port: every request, then one answer, as the gRPC client gets", async () => {
    const requests = [{ text: "u" }, { text: "v" }, { text: "w" }];
    const { stdout } = await bufCurl({ method: "ClientStream", data: requests, protocol: "connect" });
    const viaGrpc = await grpcClient.clientStream(requests);
    expect(documents(stdout)).toEqual([{ text: viaGrpc.text, index: viaGrpc.index }]);
  });
});

describe("buf curl, HTTP/2", () => {
  it("--protocol grpc on the shared port reaches grpc-js", async () => {
    const { stdout } = await bufCurl({
      method: "Echo",
      data: { text: "grpc via buf" },
      protocol: "grpc",
      base: `http://${server.grpcAddress}`,
      flags: ["--http2-prior-knowledge"],
    });
    expect(documents(stdout)).toEqual([{ text: "grpc via buf" }]);
  });

  // grpc-js hands streams that are not gRPC on the shared port to Connect; the Connect port has no gRPC at all.
  describe.each([
    ["the shared port", () => server.connectUrl],
    ["the Connect port", () => server.connectH2Url],
  ])("--protocol connect --http2-prior-knowledge on %s", (_, base) => {
    it("streams bidi, as the gRPC client", async () => {
      const requests = [{ text: "p" }, { text: "q" }];
      const { stdout } = await bufCurl({
        method: "Bidi",
        data: requests,
        protocol: "connect",
        base: base(),
        flags: ["--http2-prior-knowledge", "--emit-defaults"],
      });
      const viaGrpc = [];
      for await (const r of grpcClient.bidi(requests)) viaGrpc.push({ text: r.text, index: r.index });
      expect(documents(stdout)).toEqual(viaGrpc);
    });

    it("streams from the client, as the gRPC client", async () => {
      const requests = [{ text: "p" }, { text: "q" }, { text: "r" }];
      const { stdout } = await bufCurl({
        method: "ClientStream",
        data: requests,
        protocol: "connect",
        base: base(),
        flags: ["--http2-prior-knowledge"],
      });
      const viaGrpc = await grpcClient.clientStream(requests);
      expect(documents(stdout)).toEqual([{ text: viaGrpc.text, index: viaGrpc.index }]);
    });
  });
});

describe.each([
  ["JSON", false],
  ["binary", true],
])("connect-node's createConnectTransport, HTTP/1.1, %s", (_, useBinaryFormat) => {
  let client: Client<typeof EchoService>;
  beforeAll(() => {
    client = createClient(
      EchoService,
      createConnectTransport({ baseUrl: server.connectUrl, httpVersion: "1.1", useBinaryFormat }),
    );
  });

  it("calls unary with headers and trailers, as the gRPC client does", async () => {
    let head: string | null = null;
    let tail: string | null = null;
    const res = await client.echo(
      { text: "hi connect" },
      {
        headers: { "x-in": "from-connect" },
        onHeader: (h) => (head = h.get("x-head")),
        onTrailer: (t) => (tail = t.get("x-tail")),
      },
    );
    let grpcHead: unknown;
    let grpcTail: unknown;
    const viaGrpc = await grpcClient.echo(
      { text: "hi connect" },
      {
        metadata: { "x-in": "from-connect" },
        onHeader: (md) => (grpcHead = md.get("x-head")[0]),
        onTrailer: (md) => (grpcTail = md.get("x-tail")[0]),
      },
    );
    expect(res).toEqual(viaGrpc);
    expect(head).toBe(grpcHead);
    expect(tail).toBe(grpcTail);
    expect(head).toBe("from-connect");
  });

  it("reads a server stream, as the gRPC client does", async () => {
    const got = [];
    for await (const r of client.serverStream({ text: "s", count: 4 })) got.push(r);
    const viaGrpc = [];
    for await (const r of grpcClient.serverStream({ text: "s", count: 4 })) viaGrpc.push(r);
    expect(got).toEqual(viaGrpc);
    expect(got).toHaveLength(4);
  });

  it("gets the error code, message and details the gRPC client gets", async () => {
    const err = await client.echo({ text: "fail" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    const connectErr = err as ConnectError;
    const viaGrpc = await grpcError(grpcClient.echo({ text: "fail" }));
    expect(connectErr.code).toBe(ConnectCode.FailedPrecondition);
    expect(connectErr.code).toBe(viaGrpc.code as number);
    expect(connectErr.rawMessage).toBe(viaGrpc.message);
    expect(connectErr.findDetails(ErrorInfoSchema)).toEqual(viaGrpc.findDetails(ErrorInfoSchema));
    expect(connectErr.findDetails(BadRequestSchema)).toEqual(viaGrpc.findDetails(BadRequestSchema));
    expect(connectErr.findDetails(ErrorInfoSchema)).toHaveLength(1);
  });

  it("a client that aborts a server stream part way ends the handler's signal with CANCELLED", () =>
    abortsPartWay(client));

  it("fails a server stream part way with the handler's error", async () => {
    const got: number[] = [];
    const err = await (async () => {
      for await (const r of client.serverStream({ text: "fail", count: 2 })) got.push(r.index);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(got).toEqual([0, 1]);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(ConnectCode.FailedPrecondition);
    expect((err as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason).toBe("ON_PURPOSE");
  });

  it("sends its timeout: the handler's signal aborts with DEADLINE_EXCEEDED, as with the gRPC client", async () => {
    // The client's timer starts before the request leaves, so it gives up (and closes the
    // connection) just before the server's own timer fires: close to the deadline, that counts
    // as the deadline passing, as on gRPC (call-context.ts, DEADLINE_SLACK_MS).
    impl.aborted.length = 0;
    const viaGrpc = await grpcError(grpcClient.echo({ text: "hang" }, { timeoutMs: 200 }));
    expect(viaGrpc.code).toBe(Code.DEADLINE_EXCEEDED);
    await expect.poll(() => impl.aborted).toEqual(["Echo: DEADLINE_EXCEEDED"]);
    const err = await client.echo({ text: "hang" }, { timeoutMs: 200 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as ConnectError).code).toBe(ConnectCode.DeadlineExceeded);
    await expect.poll(() => impl.aborted).toHaveLength(2);
    expect(impl.aborted[1]).toBe("Echo: DEADLINE_EXCEEDED");
  });
});

describe.each([
  ["the shared port", () => server.connectUrl],
  ["the Connect port", () => server.connectH2Url],
])("connect-node's createConnectTransport, HTTP/2 on %s", (_, base) => {
  let client: Client<typeof EchoService>;
  beforeAll(() => {
    client = createClient(EchoService, createConnectTransport({ baseUrl: base(), httpVersion: "2" }));
  });

  it("streams from the client, as the gRPC client does", async () => {
    const texts = ["a", "b", "c"];
    async function* requests() {
      for (const text of texts) yield { text };
    }
    const res = await client.clientStream(requests());
    const viaGrpc = await grpcClient.clientStream(texts.map((text) => ({ text })));
    expect(res).toEqual(viaGrpc);
    expect(res.text).toBe("a,b,c");
  });

  it("talks bidi, one answer per request, as the gRPC client does", async () => {
    const texts = ["x", "y", "z"];
    const got = [];
    for await (const r of client.bidi(
      (async function* () {
        for (const text of texts) yield { text };
      })(),
    ))
      got.push(r);
    const viaGrpc = [];
    for await (const r of grpcClient.bidi(texts.map((text) => ({ text })))) viaGrpc.push(r);
    expect(got).toEqual(viaGrpc);
    expect(got.map((r) => r.text)).toEqual(texts);
  });

  it("a client that aborts a server stream part way ends the handler's signal with CANCELLED", () =>
    abortsPartWay(client));

  it("streams 32 MiB to a slow reader without losing a message (HTTP/2 flow control)", async () => {
    let n = 0;
    for await (const r of client.serverStream({ text: "x".repeat(16 * 1024), count: 2048 })) {
      if (r.index !== n) throw new Error(`message ${r.index} arrived as number ${n}`);
      n++;
      if (n % 256 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(n).toBe(2048);
  });
});

describe.skipIf(curl === undefined)("curl (HTTP/1.1, JSON)", () => {
  it("calls unary as the README shows, and gets the gRPC client's answer", async () => {
    const { stdout } = await run(
      curl as string,
      [
        "-sS",
        "--fail-with-body",
        `${server.connectUrl}/fixtures.echo.v1.EchoService/Echo`,
        "-H",
        "content-type: application/json",
        "-d",
        '{"text":"hi curl"}',
      ],
      { timeout: 10_000 },
    );
    const viaGrpc = await grpcClient.echo({ text: "hi curl" });
    expect(JSON.parse(stdout)).toEqual({ text: viaGrpc.text });
  });

  it("sends a Connect-Timeout-Ms past setTimeout's range (35 days), and gets the answer, not a deadline", async () => {
    // 10 digits are allowed; Node's setTimeout fires at once (after 1 ms) for more than 2^31 − 1 ms.
    const { stdout } = await run(
      curl as string,
      [
        "-sS",
        `${server.connectUrl}/fixtures.echo.v1.EchoService/Echo`,
        "-H",
        "content-type: application/json",
        "-H",
        "connect-timeout-ms: 3000000000",
        "-d",
        '{"text":"patient"}',
      ],
      { timeout: 10_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ text: "patient" });
  });

  it("sends an enveloped request and reads a server stream's envelopes (--data-binary)", async () => {
    const json = Buffer.from(JSON.stringify({ text: "curled", count: 2 }));
    const request = Buffer.concat([Buffer.from([0, 0, 0, 0, json.length]), json]);
    const file = join(temp, "stream-request.bin");
    writeFileSync(file, request);
    const { stdout } = await run(
      curl as string,
      [
        "-sS",
        "--fail-with-body",
        `${server.connectUrl}/fixtures.echo.v1.EchoService/ServerStream`,
        "-H",
        "content-type: application/connect+json",
        "--data-binary",
        `@${file}`,
      ],
      { timeout: 10_000, encoding: "buffer" },
    );
    const frames: { flags: number; data: unknown }[] = [];
    for (let at = 0; at + 5 <= stdout.length; ) {
      const length = stdout.readUInt32BE(at + 1);
      frames.push({
        flags: stdout[at] as number,
        data: JSON.parse(stdout.subarray(at + 5, at + 5 + length).toString()),
      });
      at += 5 + length;
    }
    expect(frames).toEqual([
      { flags: 0, data: { text: "curled" } },
      { flags: 0, data: { text: "curled", index: 1 } },
      { flags: 2, data: {} },
    ]);
  });

  it("gets the error JSON and its HTTP status", async () => {
    const { stdout } = await run(
      curl as string,
      [
        "-sS",
        "-o",
        "-",
        "-w",
        "\\n%{http_code}",
        `${server.connectUrl}/fixtures.echo.v1.EchoService/Echo`,
        "-H",
        "content-type: application/json",
        "-d",
        '{"text":"fail"}',
      ],
      { timeout: 10_000 },
    );
    const [body, status] = stdout.split(/\n(?=\d+$)/);
    expect(status).toBe("400");
    const viaGrpc = await grpcFailure();
    const printed = JSON.parse(body ?? "{}");
    expect(printed.code).toBe("failed_precondition");
    expect(
      printed.details.map((d: { type: string; value: string }) => ({ type: d.type, value: unpadded(d.value) })),
    ).toEqual(viaGrpc.details);
  });
});

const PYTHON_CALL = `
import json, sys, urllib.error, urllib.request
request = urllib.request.Request(
    sys.argv[1],
    data=json.dumps({"text": sys.argv[2]}).encode(),
    headers={"Content-Type": "application/json", "x-in": "from-python"},
    method="POST",
)
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        print(json.dumps({"status": response.status, "head": response.headers["x-head"], "body": json.load(response)}))
except urllib.error.HTTPError as error:
    print(json.dumps({"status": error.code, "head": None, "body": json.load(error)}))
`;

const PYTHON_STREAM = `
import json, struct, sys, urllib.request
body = json.dumps({"text": "py", "count": 3}).encode()
request = urllib.request.Request(sys.argv[1], data=struct.pack(">BI", 0, len(body)) + body,
                                 headers={"Content-Type": "application/connect+json"}, method="POST")
messages, end = [], None
with urllib.request.urlopen(request, timeout=10) as response:
    while True:
        head = response.read(5)
        if len(head) < 5:
            break
        flags, length = struct.unpack(">BI", head)
        data = json.loads(response.read(length))
        if flags & 2:
            end = data
        else:
            messages.append(data)
print(json.dumps({"messages": messages, "end": end}))
`;

describe.skipIf(python3 === undefined)("python3, standard library only (urllib.request)", () => {
  const call = async (text: string) => {
    const { stdout } = await run(
      python3 as string,
      ["-I", "-c", PYTHON_CALL, `${server.connectUrl}/fixtures.echo.v1.EchoService/Echo`, text],
      { timeout: 15_000 },
    );
    return JSON.parse(stdout) as { status: number; head: string | null; body: Record<string, unknown> };
  };

  it("calls unary with a header, and gets the gRPC client's answer", async () => {
    const res = await call("hi python");
    const viaGrpc = await grpcClient.echo({ text: "hi python" });
    expect(res).toEqual({ status: 200, head: "from-python", body: { text: viaGrpc.text } });
  });

  it("reads an error as JSON with the HTTP status for its code", async () => {
    const res = await call("fail");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "failed_precondition", message: "failing on purpose" });
  });

  it("reads a server stream, envelope by envelope, as the gRPC client does", async () => {
    const { stdout } = await run(
      python3 as string,
      ["-I", "-c", PYTHON_STREAM, `${server.connectUrl}/fixtures.echo.v1.EchoService/ServerStream`],
      { timeout: 15_000 },
    );
    const { messages, end } = JSON.parse(stdout) as { messages: unknown[]; end: Record<string, unknown> };
    const viaGrpc = [];
    for await (const r of grpcClient.serverStream({ text: "py", count: 3 }))
      viaGrpc.push({ text: r.text, index: r.index });
    // Canonical JSON leaves out index 0.
    expect(messages).toEqual(viaGrpc.map((m) => (m.index === 0 ? { text: m.text } : m)));
    expect(end).not.toHaveProperty("error");
  });
});

describe("one bearerAuth interceptor for every client", () => {
  let guarded: UnderTest;
  beforeAll(async () => {
    const s = new grpc.Server({ interceptors: [bearerAuth(({ token }) => token === "s3cret")] });
    registerEchoServiceServer(s, new TestEcho());
    const listening = await listen(s, "127.0.0.1:0");
    guarded = {
      grpcAddress: `127.0.0.1:${listening.port}`,
      connectUrl: `http://127.0.0.1:${listening.port}`,
      connectH2Url: "",
      close: () => shutdownGracefully(s, { graceMs: 1000, forceAfterMs: 1000 }),
    };
  });
  afterAll(() => guarded?.close());

  it.skipIf(curl === undefined)("curl: 401 unauthenticated without the token, the answer with it", async () => {
    const call = (...headers: string[]) =>
      run(
        curl as string,
        [
          "-sS",
          "-w",
          "\\n%{http_code}",
          `${guarded.connectUrl}/fixtures.echo.v1.EchoService/Echo`,
          "-H",
          "content-type: application/json",
          ...headers,
          "-d",
          '{"text":"guarded"}',
        ],
        { timeout: 10_000 },
      ).then(({ stdout }) => stdout.split(/\n(?=\d+$)/));
    const [refusal, refusedStatus] = await call();
    expect(refusedStatus).toBe("401");
    expect(JSON.parse(refusal ?? "{}").code).toBe("unauthenticated");
    const [body, status] = await call("-H", "authorization: Bearer s3cret");
    expect(status).toBe("200");
    expect(JSON.parse(body ?? "{}")).toEqual({ text: "guarded" });
  });

  it("buf curl with the token, connect-node and the gRPC client without it", async () => {
    const { stdout } = await bufCurl({
      method: "Echo",
      data: { text: "guarded" },
      protocol: "connect",
      base: guarded.connectUrl,
      flags: ["-H", "authorization: Bearer s3cret"],
    });
    expect(documents(stdout)).toEqual([{ text: "guarded" }]);

    const connect = createClient(
      EchoService,
      createConnectTransport({ baseUrl: guarded.connectUrl, httpVersion: "1.1" }),
    );
    const refused = await connect.echo({ text: "guarded" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as ConnectError).code).toBe(ConnectCode.Unauthenticated);

    const grpcGuarded = new EchoServiceClient(guarded.grpcAddress, grpc.credentials.createInsecure());
    try {
      expect((await grpcError(grpcGuarded.echo({ text: "guarded" }))).code).toBe(Code.UNAUTHENTICATED);
      const ok = await grpcGuarded.echo({ text: "guarded" }, { metadata: { authorization: "Bearer s3cret" } });
      expect(ok.text).toBe("guarded");
    } finally {
      grpcGuarded.$close();
    }
  });
});
