import * as grpc from "@grpc/grpc-js";
import { listen } from "@rpcgen/runtime";
import { registerEchoServiceServer } from "./golden/ts/fixtures/echo_rpc.ts";
import { TestEcho } from "./runtime/echo-impl.ts";

const s = new grpc.Server();
registerEchoServiceServer(s, new TestEcho());
const l = await listen(s, "127.0.0.1:0", { connect: { maxMessageBytes: 1 << 20 } });
console.log(l.port);
setTimeout(() => process.exit(0), 25000);
