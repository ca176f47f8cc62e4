import type { MethodSignature, SourceFile } from "ts-morph";
import { readGeneratedFrom, serviceExports, serviceOfUnimplemented } from "../../generated-names.js";

/** One rpc as the generated server interface declares it. */
export interface RpcApi {
  /** The method name, e.g. `sayHello`. */
  key: string;
  /** The rpc's full proto name, e.g. `greeter.v1.Greeter.SayHello`. */
  rpc: string;
  signature: MethodSignature;
}

/** A service as its generated `_rpc.ts` file declares it. */
export interface ServiceApi {
  /** e.g. `Greeter` */
  name: string;
  /** e.g. `greeter.v1.Greeter` */
  fullName: string;
  /** e.g. `GreeterServer` */
  serverInterface: string;
  /** e.g. `UnimplementedGreeterServer` */
  unimplementedClass: string;
  rpcFile: SourceFile;
  rpcs: RpcApi[];
}

/**
 * The services of a generated `_rpc.ts` file, read from the code protoc-gen-ts-rpc wrote
 * (the `XServer` interface, its `UnimplementedXServer` class and their `@generated from`
 * tags, named as src/generated-names.ts says) rather than from the protos, so sync sees
 * exactly the API the code compiles against.
 */
export function readServiceApis(rpcFile: SourceFile): ServiceApi[] {
  const services: ServiceApi[] = [];
  for (const cls of rpcFile.getClasses()) {
    const name = serviceOfUnimplemented(cls.getName() ?? "");
    if (name === undefined) continue;
    const iface = rpcFile.getInterface(serviceExports(name).server);
    if (iface === undefined) continue;
    const fullName =
      readGeneratedFrom(
        iface.getJsDocs().map((d) => d.getText()),
        "service",
      ) ?? name;
    services.push({
      name,
      fullName,
      serverInterface: iface.getName(),
      unimplementedClass: cls.getName()!,
      rpcFile,
      rpcs: iface.getMethods().map((signature) => ({
        key: signature.getName(),
        rpc:
          readGeneratedFrom(
            signature.getJsDocs().map((d) => d.getText()),
            "rpc",
          ) ?? `${fullName}.${signature.getName()}`,
        signature,
      })),
    });
  }
  return services;
}
