// TLS and mutual TLS with certificates this test makes with openssl.
import * as grpc from "@grpc/grpc-js";
import { channelTlsCredentials, type RpcError, serverTlsCredentials } from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { makeTestCerts } from "../helpers/certs.js";
import { startServer } from "../helpers/server.js";
import { TestEcho } from "./echo-impl.js";

let certs: Awaited<ReturnType<typeof makeTestCerts>>;
beforeAll(async () => {
  certs = await makeTestCerts();
});

async function outcome(c: EchoServiceClient): Promise<string> {
  try {
    const res = await c.echo({ text: "hi" }, { timeoutMs: 5000 });
    return `ok ${res.text}`;
  } catch (err) {
    return (err as RpcError).codeName;
  } finally {
    c.$close();
  }
}

describe("TLS", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer((s) => registerEchoServiceServer(s, new TestEcho()), {
      credentials: serverTlsCredentials({ certChain: certs.server.cert, privateKey: certs.server.key }),
    });
  });
  afterAll(() => server.stop());

  it("control: plain grpc-js to an IP fails on Node 26 and later (why upstream/tls-ip-servername.ts exists)", async () => {
    const plain = new EchoServiceClient(server.address, grpc.credentials.createSsl(Buffer.from(certs.ca)));
    const major = Number(process.versions.node.split(".")[0]);
    // If Node 26+ starts answering "ok hi" here, grpc-js stopped sending IPs as the TLS server name.
    expect(await outcome(plain)).toBe(major >= 26 ? "UNAVAILABLE" : "ok hi");
  });

  it("serves a client that trusts the server's CA", async () => {
    const c = new EchoServiceClient(server.address, channelTlsCredentials({ ca: certs.ca }));
    expect(await outcome(c)).toBe("ok hi");
  });

  it("is refused by a client that does not trust the server's CA", async () => {
    const c = new EchoServiceClient(server.address, channelTlsCredentials({ ca: certs.rogueClient.cert }));
    expect(await outcome(c)).toBe("UNAVAILABLE");
  });

  it("is not reachable in plaintext", async () => {
    const c = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
    expect(await outcome(c)).toBe("UNAVAILABLE");
  });
});

describe("mutual TLS", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer((s) => registerEchoServiceServer(s, new TestEcho()), {
      credentials: serverTlsCredentials({
        certChain: certs.server.cert,
        privateKey: certs.server.key,
        clientCa: certs.ca,
      }),
    });
  });
  afterAll(() => server.stop());

  it("serves a client whose certificate the server's client CA signed", async () => {
    const creds = channelTlsCredentials({ ca: certs.ca, certChain: certs.client.cert, privateKey: certs.client.key });
    expect(await outcome(new EchoServiceClient(server.address, creds))).toBe("ok hi");
  });

  it("refuses a client with a certificate from an unknown CA", async () => {
    const creds = channelTlsCredentials({
      ca: certs.ca,
      certChain: certs.rogueClient.cert,
      privateKey: certs.rogueClient.key,
    });
    expect(await outcome(new EchoServiceClient(server.address, creds))).toBe("UNAVAILABLE");
  });

  it("refuses a client without a certificate", async () => {
    expect(await outcome(new EchoServiceClient(server.address, channelTlsCredentials({ ca: certs.ca })))).toBe(
      "UNAVAILABLE",
    );
  });

  it("says clearly when only half of a client key pair is given", () => {
    expect(() => channelTlsCredentials({ ca: certs.ca, certChain: certs.client.cert })).toThrow(
      "certChain and privateKey go together: give both for mutual TLS, or neither",
    );
  });
});
