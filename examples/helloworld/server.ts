// The tutorial's hello-world server: `npm run helloworld:server -- --port 50051`.
import * as grpc from "@grpc/grpc-js";
import type { CallContext } from "@rpcgen/runtime";
import type { HelloRequest } from "./gen/helloworld/helloworld_pb.js";
import { registerGreeterServer, UnimplementedGreeterServer } from "./gen/helloworld/helloworld_rpc.js";

// Extending the Unimplemented base keeps this compiling when the proto gains rpcs.
class Greeter extends UnimplementedGreeterServer {
  override sayHello(request: HelloRequest, _context: CallContext) {
    return { message: `Hello ${request.name}` };
  }
}

const portFlag = process.argv.indexOf("--port");
const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 50051;

const server = new grpc.Server();
registerGreeterServer(server, new Greeter());
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(`cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  }
  console.log(`greeter listening on 127.0.0.1:${bound}`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => server.tryShutdown(() => process.exit(0)));
}
