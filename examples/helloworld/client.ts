// The tutorial's hello-world client: `npm run helloworld:client -- --addr 127.0.0.1:50051 --name world`.
import * as grpc from "@grpc/grpc-js";
import { RpcError } from "@rpcgen/runtime";
import { GreeterClient } from "./gen/helloworld/helloworld_rpc.js";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const client = new GreeterClient(flag("addr", "127.0.0.1:50051"), grpc.credentials.createInsecure());
try {
  const reply = await client.sayHello({ name: flag("name", "world") }, { timeoutMs: 5000 });
  console.log(`Greeting: ${reply.message}`);
} catch (err) {
  console.error(err instanceof RpcError ? `could not greet: ${err.codeName}: ${err.message}` : err);
  process.exitCode = 1;
} finally {
  client.$close();
}
