// The same clients over TLS, where listen() routes each connection by ALPN: `h2` to grpc-js
// (which hands streams that are not gRPC to Connect), `http/1.1` (or none) to Connect.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { channelTlsCredentials, listen, shutdownGracefully } from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../golden/ts/fixtures/echo_pb.js";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { BUF, echoSchema } from "../helpers/buf-schema.js";
import { makeTestCerts } from "../helpers/certs.js";
import { requireBinary } from "../helpers/service-process.js";
import { TestEcho } from "../runtime/echo-impl.js";

const run = promisify(execFile);
const curl = requireBinary("curl", "curl");
const python3 = requireBinary("python3", "python3");
const ECHO = "/fixtures.echo.v1.EchoService/Echo";

let server: grpc.Server;
let shared: string;
let connectOnly: string;
let grpcClient: EchoServiceClient;
let temp: string;
let caFile: string;
let ca: string;
let schema: string;

beforeAll(async () => {
  const certs = await makeTestCerts();
  ca = certs.ca;
  temp = mkdtempSync(join(tmpdir(), "rpcgen-connect-tls-"));
  caFile = join(temp, "ca.pem");
  writeFileSync(caFile, ca);
  schema = await echoSchema(temp);
  server = new grpc.Server();
  registerEchoServiceServer(server, new TestEcho());
  const listening = await listen(server, "127.0.0.1:0", {
    tls: { certChain: certs.server.cert, privateKey: certs.server.key },
    connect: { port: 0 },
  });
  shared = `https://127.0.0.1:${listening.port}`;
  connectOnly = `https://127.0.0.1:${listening.connectPort}`;
  grpcClient = new EchoServiceClient(`127.0.0.1:${listening.port}`, channelTlsCredentials({ ca }));
});

afterAll(async () => {
  grpcClient?.$close();
  if (server) await shutdownGracefully(server, { graceMs: 1000, forceAfterMs: 1000 });
  if (temp) rmSync(temp, { recursive: true, force: true });
});

const viaGrpc = async (text: string) => ({ text: (await grpcClient.echo({ text })).text });

describe.skipIf(curl === undefined)("curl over TLS on the shared port", () => {
  const curlEcho = (text: string, ...flags: string[]) =>
    run(
      curl as string,
      [
        "-sS",
        "--cacert",
        caFile,
        ...flags,
        `${shared}${ECHO}`,
        "-H",
        "content-type: application/json",
        "-d",
        JSON.stringify({ text }),
      ],
      { timeout: 10_000 },
    );

  it("--http1.1: Connect answers what the gRPC client gets", async () => {
    const { stdout } = await curlEcho("tls curl", "--http1.1", "--fail-with-body");
    expect(JSON.parse(stdout)).toEqual(await viaGrpc("tls curl"));
  });

  it("without --http1.1 curl negotiates h2, and grpc-js hands the Connect stream on", async () => {
    const { stdout } = await curlEcho("tls curl h2", "--fail-with-body", "-w", "\n%{http_version}");
    const [body, version] = stdout.split("\n");
    expect(version).toBe("2");
    expect(JSON.parse(body ?? "")).toEqual(await viaGrpc("tls curl h2"));
  });
});

describe.skipIf(python3 === undefined)("python3 urllib over TLS (no ALPN: HTTP/1.1)", () => {
  it("calls unary and gets what the gRPC client gets", async () => {
    const script = `
import json, ssl, sys, urllib.request
context = ssl.create_default_context(cafile=sys.argv[2])
request = urllib.request.Request(sys.argv[1], data=json.dumps({"text": "tls python"}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request, timeout=10, context=context) as response:
    print(response.read().decode())
`;
    const { stdout } = await run(python3 as string, ["-I", "-c", script, `${shared}${ECHO}`, caFile], {
      timeout: 15_000,
    });
    expect(JSON.parse(stdout)).toEqual(await viaGrpc("tls python"));
  });
});

describe("connect-node's createConnectTransport over TLS", () => {
  it("HTTP/1.1 on the shared port: unary and a server stream, as the gRPC client", async () => {
    const client: Client<typeof EchoService> = createClient(
      EchoService,
      createConnectTransport({ baseUrl: shared, httpVersion: "1.1", nodeOptions: { ca } }),
    );
    expect(await client.echo({ text: "tls connect" })).toEqual(await grpcClient.echo({ text: "tls connect" }));
    const got = [];
    for await (const r of client.serverStream({ text: "s", count: 3 })) got.push(r);
    const want = [];
    for await (const r of grpcClient.serverStream({ text: "s", count: 3 })) want.push(r);
    expect(got).toEqual(want);
  });

  it.each([
    ["the shared port", () => shared],
    ["the Connect port", () => connectOnly],
  ])("HTTP/2 (ALPN h2) on %s: bidi, as the gRPC client", async (_, base) => {
    const client = createClient(
      EchoService,
      createConnectTransport({ baseUrl: base(), httpVersion: "2", nodeOptions: { ca } }),
    );
    const requests = [{ text: "a" }, { text: "b" }];
    const got = [];
    for await (const r of client.bidi(
      (async function* () {
        yield* requests;
      })(),
    ))
      got.push(r);
    const want = [];
    for await (const r of grpcClient.bidi(requests)) want.push(r);
    expect(got).toEqual(want);
  });
});

describe("buf curl --protocol connect over TLS", () => {
  const bufCurl = (base: string) =>
    run(
      BUF,
      [
        "curl",
        "--schema",
        schema,
        "--protocol",
        "connect",
        "--cacert",
        caFile,
        "-d",
        '{"text":"tls buf"}',
        `${base}${ECHO}`,
      ],
      { timeout: 20_000 },
    );

  it("on the Connect port (h2 by ALPN): unary, as the gRPC client", async () => {
    const { stdout } = await bufCurl(connectOnly);
    expect(JSON.parse(stdout)).toEqual(await viaGrpc("tls buf"));
  });

  it("on the shared port (h2 by ALPN, beside gRPC): unary, as the gRPC client", async () => {
    const { stdout } = await bufCurl(shared);
    expect(JSON.parse(stdout)).toEqual(await viaGrpc("tls buf"));
  });
});
