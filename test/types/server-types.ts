// Type tests, checked by `tsc -p tsconfig.test.json` (never run): what must and must not compile.
import type { CallContext } from "@rpcgen/runtime";
import type { HelloRequest } from "../golden/ts/helloworld/helloworld_pb.js";
import {
  type GreeterClient,
  type GreeterServer,
  UnimplementedGreeterServer,
} from "../golden/ts/helloworld/helloworld_rpc.js";

// Extending the Unimplemented base compiles with no rpc overridden (forward compatibility).
export class Empty extends UnimplementedGreeterServer {}

// Implementing the interface must implement every rpc (compile-time completeness).
// @ts-expect-error Property 'sayHello' is missing
export class Incomplete implements GreeterServer {}

export class Complete implements GreeterServer {
  sayHello(request: HelloRequest, _context: CallContext) {
    return { message: `hello ${request.name}` };
  }
}

export class Async implements GreeterServer {
  async sayHello(request: HelloRequest) {
    return { message: request.name };
  }
}

export class WrongResponse extends UnimplementedGreeterServer {
  // @ts-expect-error a response field that does not exist
  override sayHello() {
    return { nope: 1 };
  }
}

export async function client(c: GreeterClient) {
  const reply = await c.sayHello({ name: "x" }, { timeoutMs: 100 });
  const text: string = reply.message;
  // @ts-expect-error a request field that does not exist
  await c.sayHello({ nope: "x" });
  // @ts-expect-error a client is never thenable
  c.then;
  return text;
}
