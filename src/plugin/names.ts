import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";

/**
 * The generated method name of an rpc: protoc-gen-es's `localName` (`sayHello`,
 * `constructor$`, `toString$`), except that `then` becomes `then$`: a server or client
 * object with a `then` method would be mistaken for a promise by `await`.
 */
export function methodKey(method: DescMethod): string {
  return method.localName === "then" ? "then$" : method.localName;
}

/** The names one service exports from its `_rpc` file. */
export function serviceNames(service: DescService) {
  const s = service.name;
  return {
    server: `${s}Server`,
    unimplemented: `Unimplemented${s}Server`,
    register: `register${s}Server`,
    definition: `${s}Definition`,
    client: `${s}Client`,
    serviceName: `${s}ServiceName`,
    fullMethodName: (m: DescMethod) => `${s}_${m.name}_FullMethodName`,
  };
}

/** An error in the input the plugin cannot generate code for; reported through CodeGeneratorResponse.error. */
export class GenerateError extends Error {
  override name = "GenerateError";
}

/**
 * Rejects inputs whose generated names would clash: two rpcs of one service with the same
 * method key (`GetFoo` and `getFoo`), or two services whose exports collide (`Foo` and
 * `FooClient` both want `FooClientServer`...).
 */
export function checkNames(file: DescFile): void {
  const owners = new Map<string, string>();
  for (const service of file.services) {
    const n = serviceNames(service);
    const exported = [n.server, n.unimplemented, n.register, n.definition, n.client, n.serviceName];
    exported.push(...service.methods.map(n.fullMethodName));
    for (const name of exported) {
      const owner = owners.get(name);
      if (owner !== undefined) {
        throw new GenerateError(
          `${file.proto.name}: service ${service.name}: generated name ${name} is also generated for service ${owner}`,
        );
      }
      owners.set(name, service.name);
    }
    const keys = new Map<string, string>();
    for (const method of service.methods) {
      const key = methodKey(method);
      const other = keys.get(key);
      if (other !== undefined) {
        throw new GenerateError(
          `${file.proto.name}: service ${service.name}: rpcs ${other} and ${method.name} both map to method ${key}`,
        );
      }
      keys.set(key, method.name);
    }
  }
}
