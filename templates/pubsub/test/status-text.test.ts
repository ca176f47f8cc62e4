// The one-line form of a failed call that the command-line clients print.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "@rpcgen/runtime";
import { PubSubClient } from "../src/gen/pubsub/v1/pubsub_rpc.js";
import { statusText } from "../src/status-text.js";

test("a call to a port nobody listens on: the code and the connect error, without grpc-js's wording", async () => {
  // A port that was free a moment ago: bind to 0, read it, close.
  const server = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  server.forceShutdown();
  const client = new PubSubClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    await assert.rejects(client.publish([{ topic: "t", message: "m" }], { timeoutMs: 5000 }), (err: unknown) => {
      assert.ok(err instanceof RpcError);
      assert.match(err.message, /Last error:/); // what grpc-js says
      assert.equal(statusText(err), `UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:${port}`);
      return true;
    });
  } finally {
    client.$close();
  }
});

test("repeated Last error parts (several addresses): only the last error's text", () => {
  const err = new RpcError(
    Code.UNAVAILABLE,
    "No connection established. Last error: Error: connect ECONNREFUSED 10.0.0.1:50051. Last error: Error: connect ECONNREFUSED 10.0.0.2:50051 (2026-12-01T10:00:00.000Z). Resolution note: ",
  );
  assert.equal(statusText(err), "UNAVAILABLE: connect ECONNREFUSED 10.0.0.2:50051");
});

test("other messages stay as they are", () => {
  assert.equal(
    statusText(new RpcError(Code.UNAVAILABLE, "server is shutting down")),
    "UNAVAILABLE: server is shutting down",
  );
  assert.equal(statusText(new Error("boom")), "boom");
});
