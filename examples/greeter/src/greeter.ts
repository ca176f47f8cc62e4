import { type CallContext, Code, RpcError } from "@rpcgen/runtime";
import type { SayHelloRequest } from "./gen/greeter/v1/greeter_pb.js";
import { UnimplementedGreeterServer } from "./gen/greeter/v1/greeter_rpc.js";

/**
 * The Greeter service. Extending the Unimplemented base keeps this compiling when the proto
 * gains rpcs: new ones answer UNIMPLEMENTED until you override them here.
 */
export class GreeterService extends UnimplementedGreeterServer {
  /** Who answers, sent back in the `served-by` trailer so clients can see load balancing. */
  constructor(public instance: string) {
    super();
  }

  override sayHello(request: SayHelloRequest, context: CallContext) {
    const name = request.name.trim();
    if (name === "") throw new RpcError(Code.INVALID_ARGUMENT, "name must not be empty");
    context.trailer.set("served-by", this.instance);
    return { message: `Hello, ${name}!` };
  }
}
