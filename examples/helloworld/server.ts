// The tutorial's hello-world server: `npm run helloworld:server -- --port 50051`. As the
// tutorial's /jsonrpc endpoint, the same port answers JSON over HTTP (the Connect protocol):
// curl http://127.0.0.1:50051/helloworld.Greeter/SayHello -H 'content-type: application/json' -d '{"name":"gopher"}'
import * as grpc from "@grpc/grpc-js";
import { type CallContext, listen } from "@rpcgen/runtime";
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
listen(server, `127.0.0.1:${port}`).then(
  ({ port: bound }) => console.log(`greeter listening on 127.0.0.1:${bound}`),
  (err: Error) => {
    console.error(`cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => server.tryShutdown(() => process.exit(0)));
}
