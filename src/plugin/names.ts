import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import { methodKey as keyOf, serviceExports } from "../generated-names.js";

/** The generated method name of an rpc (the naming contract: src/generated-names.ts). */
export function methodKey(method: DescMethod): string {
  return keyOf(method.localName);
}

/** The names one service exports from its `_rpc` file. */
export function serviceNames(service: DescService) {
  const names = serviceExports(service.name);
  return { ...names, fullMethodName: (m: DescMethod) => names.fullMethodName(m.name) };
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
