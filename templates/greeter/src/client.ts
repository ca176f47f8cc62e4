// The Greeter client: `npm run client -- --name world --count 3`. Dials etcd:///greeter.v1.Greeter
// when ETCD_ENDPOINTS is set, else GREETER_ADDRS (default 127.0.0.1:50051); round robin both ways.
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { RpcError } from "@rpcgen/runtime";
import { serviceTarget } from "@rpcgen/runtime/discovery";
import { loadConfigOrExit } from "./config.js";
import { GreeterClient, GreeterServiceName } from "./gen/greeter/v1/greeter_rpc.js";
import { startTelemetry } from "./telemetry.js";

const { values } = parseArgs({
  options: { name: { type: "string", default: "world" }, count: { type: "string", default: "1" } },
});
const count = Number(values.count);

const config = loadConfigOrExit();
// etcd:///greeter.v1.Greeter when ETCD_ENDPOINTS is set, else the static addresses.
const { target, options } = serviceTarget(GreeterServiceName, { addresses: config.addresses });
console.log(`calling ${GreeterServiceName} at ${target}`);
const telemetry = await startTelemetry("greeter-client", target);
const client = new GreeterClient(target, grpc.credentials.createInsecure(), {
  ...options,
  interceptors: telemetry.clientInterceptors,
});
try {
  for (let i = 0; i < count; i++) {
    let servedBy = "";
    const reply = await client.sayHello(
      { name: values.name },
      { timeoutMs: 5000, onTrailer: (trailer) => (servedBy = String(trailer.get("served-by")[0] ?? "")) },
    );
    console.log(`${reply.message} (served by ${servedBy})`);
  }
} catch (err) {
  console.error(err instanceof RpcError ? `call failed: ${err.codeName}: ${err.message}` : err);
  process.exitCode = 1;
} finally {
  client.$close();
  await telemetry.shutdown();
}
