// The project's own tests (`npm test`): a real server on a free loopback port, called by the
// generated client over gRPC and by fetch over Connect (JSON over HTTP/1.1) on the same port.
// Node's built-in test runner, run through tsx.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, listen, RpcError } from "@rpcgen/runtime";
import { GreeterClient, registerGreeterServer } from "../src/gen/greeter/v1/greeter_rpc.js";
import { GreeterService } from "../src/greeter.js";

const server = new grpc.Server();
let client: GreeterClient;
let close: () => void;
let url: string;

before(async () => {
  registerGreeterServer(server, new GreeterService("test"));
  const listening = await listen(server, "127.0.0.1:0");
  close = listening.close;
  client = new GreeterClient(`127.0.0.1:${listening.port}`, grpc.credentials.createInsecure());
  url = `http://127.0.0.1:${listening.port}/greeter.v1.Greeter/SayHello`;
});

after(async () => {
  client.$close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  close();
});

test("SayHello greets by name", async () => {
  const reply = await client.sayHello({ name: "Ada" });
  assert.equal(reply.message, "Hello, Ada!");
});

test("SayHello tells which instance answered", async () => {
  let servedBy: unknown;
  await client.sayHello({ name: "Ada" }, { onTrailer: (t) => (servedBy = t.get("served-by")[0]) });
  assert.equal(servedBy, "test");
});

test("an empty name is INVALID_ARGUMENT", async () => {
  await assert.rejects(client.sayHello({ name: " " }), (err: unknown) => {
    assert.ok(err instanceof RpcError);
    assert.equal(err.code, Code.INVALID_ARGUMENT);
    assert.equal(err.message, "name must not be empty");
    return true;
  });
});

test("the same port answers JSON over HTTP (Connect), as curl and browsers call it", async () => {
  const post = (body: unknown) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const ok = await post({ name: "Ada" });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { message: "Hello, Ada!" });
  assert.equal(ok.headers.get("trailer-served-by"), "test");
  const bad = await post({ name: "" });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { code: "invalid_argument", message: "name must not be empty" });
});
