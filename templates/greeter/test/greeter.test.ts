// The project's own tests (`npm test`): a real server on a free loopback port, called by the
// generated client. Node's built-in test runner, run through tsx.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "@rpcgen/runtime";
import { GreeterClient, registerGreeterServer } from "../src/gen/greeter/v1/greeter_rpc.js";
import { GreeterService } from "../src/greeter.js";

const server = new grpc.Server();
let client: GreeterClient;

before(async () => {
  registerGreeterServer(server, new GreeterService("test"));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  client = new GreeterClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

after(async () => {
  client.$close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
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
