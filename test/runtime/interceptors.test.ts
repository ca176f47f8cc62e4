// Client and server interceptors: the shipped token-auth pair, and call observers for
// logging and metrics, over every call kind.
import * as grpc from "@grpc/grpc-js";
import {
  bearerAuth,
  bearerToken,
  type CallRecord,
  Code,
  observeClientCalls,
  observeServerCalls,
  type RpcError,
} from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoServiceClient, registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { startServer } from "../helpers/server.js";
import { TestEcho } from "./echo-impl.js";

const SECRET = "s3cret";
let server: Awaited<ReturnType<typeof startServer>>;
let impl: TestEcho;
const serverLog: CallRecord[] = [];
const checked: string[] = [];

beforeAll(async () => {
  impl = new TestEcho();
  server = await startServer((s) => registerEchoServiceServer(s, impl), {
    options: {
      interceptors: [
        observeServerCalls((r) => serverLog.push(r)),
        bearerAuth(
          async ({ token, method }) => {
            checked.push(method);
            return token === SECRET;
          },
          { skip: (method) => method.endsWith("/Old") },
        ),
      ],
    },
  });
});

afterAll(async () => {
  await server.stop();
});

function clientWith(...interceptors: grpc.Interceptor[]): EchoServiceClient {
  return new EchoServiceClient(server.address, grpc.credentials.createInsecure(), { interceptors });
}

async function everyKind(c: EchoServiceClient): Promise<Array<RpcError | string>> {
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: RpcError) => e,
    );
  return [
    await settle(c.echo({ text: "a" })),
    await settle(
      (async () => {
        for await (const _ of c.serverStream({ text: "a" }));
      })(),
    ),
    await settle(c.clientStream([{ text: "a" }])),
    await settle(
      (async () => {
        for await (const _ of c.bidi([{ text: "a" }]));
      })(),
    ),
  ];
}

describe("token auth", () => {
  it("lets calls with the right bearer token through, for every call kind", async () => {
    const c = clientWith(bearerToken(SECRET));
    try {
      expect(await everyKind(c)).toEqual(["ok", "ok", "ok", "ok"]);
    } finally {
      c.$close();
    }
  });

  it("takes a token function, called per call", async () => {
    let calls = 0;
    const c = clientWith(
      bearerToken(async () => {
        calls++;
        return SECRET;
      }),
    );
    try {
      await c.echo({});
      await c.echo({});
      expect(calls).toBe(2);
    } finally {
      c.$close();
    }
  });

  it.each([
    ["missing", [], "missing bearer token"],
    ["wrong", [bearerToken("nope")], "invalid bearer token"],
  ] as const)("rejects a %s token with UNAUTHENTICATED before any handler runs", async (_, interceptors, message) => {
    const c = clientWith(...interceptors);
    const startedBefore = impl.started.length;
    const loggedBefore = serverLog.length;
    try {
      const results = await everyKind(c);
      for (const r of results) {
        expect(r).toMatchObject({ code: Code.UNAUTHENTICATED, message });
      }
      expect(impl.started.length).toBe(startedBefore);
      // The observer, earlier in the list, is inside the auth interceptor and still sees the rejections.
      await expect
        .poll(() => serverLog.slice(loggedBefore).map((r) => r.codeName))
        .toEqual(Array(4).fill("UNAUTHENTICATED"));
    } finally {
      c.$close();
    }
  });

  it("rejects an authorization header that is not a bearer token", async () => {
    const c = clientWith();
    try {
      const err = await c.echo({}, { metadata: { authorization: "Basic dTpw" } }).catch((e: RpcError) => e);
      expect(err).toMatchObject({ code: Code.UNAUTHENTICATED, message: "authorization header is not a bearer token" });
    } finally {
      c.$close();
    }
  });

  it("skips the methods the server exempts", async () => {
    const c = clientWith();
    try {
      // Old is exempt; the test server does not implement it, so it answers UNIMPLEMENTED, not UNAUTHENTICATED.
      const err = await c.old({}).catch((e: RpcError) => e);
      expect(err).toMatchObject({ code: Code.UNIMPLEMENTED });
    } finally {
      c.$close();
    }
  });

  it("fails the call with UNAUTHENTICATED when the token function throws, sending nothing", async () => {
    const c = clientWith(
      bearerToken(() => {
        throw new Error("token store offline");
      }),
    );
    const checkedBefore = checked.length;
    try {
      const err = await c.echo({}).catch((e: RpcError) => e);
      expect(err).toMatchObject({
        code: Code.UNAUTHENTICATED,
        message: "could not get a token: token store offline",
      });
      expect(checked.length).toBe(checkedBefore);
    } finally {
      c.$close();
    }
  });
});

describe("observers", () => {
  it("see one record per call with its method and status, on both sides and every kind", async () => {
    const clientLog: CallRecord[] = [];
    const c = clientWith(
      observeClientCalls((r) => clientLog.push(r)),
      bearerToken(SECRET),
    );
    serverLog.length = 0;
    try {
      await everyKind(c);
      await c.echo({ text: "fail" }).catch(() => {});
      await c.echo({ text: "hang" }, { timeoutMs: 50 }).catch(() => {});
    } finally {
      c.$close();
    }
    const summary = (log: CallRecord[]) => log.map((r) => `${r.method.split("/").pop()} ${r.codeName}`);
    const expected = [
      "Echo OK",
      "ServerStream OK",
      "ClientStream OK",
      "Bidi OK",
      "Echo FAILED_PRECONDITION",
      "Echo DEADLINE_EXCEEDED",
    ];
    expect(summary(clientLog)).toEqual(expected);
    await expect.poll(() => summary(serverLog).length).toBe(expected.length);
    // The server sees the client's cancel or its own deadline first; either way it records the deadline.
    expect(summary(serverLog)).toEqual(expected);
    for (const r of [...clientLog, ...serverLog]) expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(serverLog[0]?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
