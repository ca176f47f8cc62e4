import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ImportSymbol } from "@bufbuild/protoplugin";
import { generatedFromTag } from "../generated-names.js";
import { codecExpression, type FileCodecs } from "./generate-codec.js";
import { methodKey, serviceNames } from "./names.js";
import type { RpcFile } from "./upstream/symbol-cache.js";

/** The runtime entry generated code imports. */
export const RUNTIME = "@rpcgen/runtime";

/** Prints everything for one service, in the order a reader meets it: names, server side, client. */
export function generateService(f: RpcFile, service: DescService, codecs: FileCodecs | undefined): void {
  generateNames(f, service);
  generateDefinition(f, service, codecs);
  generateServerInterface(f, service);
  generateUnimplemented(f, service);
  generateRegister(f, service);
  generateClient(f, service);
}

function generateNames(f: RpcFile, service: DescService): void {
  const n = serviceNames(service);
  f.print(f.jsDoc(`The fully-qualified name of ${service.typeName}.`));
  f.print(f.export("const", n.serviceName), ` = `, f.string(service.typeName), `;`);
  f.print();
  for (const method of service.methods) {
    f.print(f.jsDoc(`The full method name of ${method.name}, as sent on the wire.`));
    f.print(f.export("const", n.fullMethodName(method)), ` = `, f.string(`/${service.typeName}/${method.name}`), `;`);
    f.print();
  }
}

function generateDefinition(f: RpcFile, service: DescService, codecs: FileCodecs | undefined): void {
  const n = serviceNames(service);
  const rpcMethod = f.import("RpcMethod", RUNTIME, true);
  const methodDefinition = f.import("methodDefinition", RUNTIME);
  const serviceDesc = f.importSchema(service);
  const serializers = codecs === undefined ? "protobuf-es serializers" : "this file's binary codecs as serializers";
  f.print(
    f.jsDoc(
      `The grpc-js service definition of ${service.typeName}: paths, stream flags and ${serializers}.\nUse it with \`server.addService\`, \`makeGenericClientConstructor\` or interceptors.${deprecated(service)}`,
    ),
  );
  f.print(f.export("const", n.definition), `: {`);
  for (const method of service.methods) {
    f.print(
      `  readonly `,
      methodKey(method),
      `: `,
      rpcMethod,
      `<`,
      schemaType(f, method, "input"),
      `, `,
      schemaType(f, method, "output"),
      `>;`,
    );
  }
  f.print(`} = {`);
  for (const method of service.methods) {
    if (codecs === undefined) {
      f.print(`  `, methodKey(method), `: `, methodDefinition, `(`, serviceDesc, `.method.`, method.localName, `),`);
      continue;
    }
    f.print(`  `, methodKey(method), `: `, methodDefinition, `(`);
    f.print(`    `, serviceDesc, `.method.`, method.localName, `,`);
    f.print(`    `, codecExpression(f, codecs, method.input), `,`);
    f.print(`    `, codecExpression(f, codecs, method.output), `,`);
    f.print(`  ),`);
  }
  f.print(`};`);
  f.print();
}

function generateServerInterface(f: RpcFile, service: DescService): void {
  const n = serviceNames(service);
  f.print(
    serviceDoc(
      f,
      service,
      `The server API of ${service.typeName}.\n\nA class that \`implements ${n.server}\` must implement every rpc; one that\n\`extends ${n.unimplemented}\` keeps compiling when the proto gains rpcs.`,
    ),
  );
  f.print(f.export("interface", n.server), ` {`);
  service.methods.forEach((method, i) => {
    if (i > 0) f.print();
    f.print(f.jsDoc(method, "  "));
    f.print(`  `, methodKey(method), `(`, ...serverParams(f, method, ""), `): `, serverResult(f, method), `;`);
  });
  f.print(`}`);
  f.print();
}

function generateUnimplemented(f: RpcFile, service: DescService): void {
  const n = serviceNames(service);
  const unimplemented = f.import("unimplemented", RUNTIME);
  f.print(
    f.jsDoc(
      `Answers every rpc of ${service.typeName} with status UNIMPLEMENTED, like grpc-go's\nUnimplemented${service.name}Server. Extend it and override the rpcs you serve.${deprecated(service)}`,
    ),
  );
  f.print(f.export("class", n.unimplemented), ` implements `, n.server, ` {`);
  service.methods.forEach((method, i) => {
    if (i > 0) f.print();
    const key = methodKey(method);
    f.print(`  `, key, `(`, ...serverParams(f, method, "_"), `): `, serverResult(f, method), ` {`);
    f.print(`    throw `, unimplemented, `(`, n.definition, `.`, key, `);`);
    f.print(`  }`);
  });
  f.print(`}`);
  f.print();
}

function generateRegister(f: RpcFile, service: DescService): void {
  const n = serviceNames(service);
  const grpcServer = f.import("Server", "@grpc/grpc-js", true);
  const registerService = f.import("registerService", RUNTIME);
  f.print(
    f.jsDoc(
      `Mounts an implementation of ${service.typeName} on a grpc-js server. Errors a handler\nthrows or rejects with end the call with their gRPC status (UNKNOWN for plain errors).${deprecated(service)}`,
    ),
  );
  f.print(f.export("function", n.register), `(server: `, grpcServer, `, implementation: `, n.server, `): void {`);
  f.print(`  `, registerService, `(server, `, n.definition, `, implementation);`);
  f.print(`}`);
  f.print();
}

function generateClient(f: RpcFile, service: DescService): void {
  const n = serviceNames(service);
  const serviceClient = f.import("ServiceClient", RUNTIME);
  const callOptions = f.import("CallOptions", RUNTIME, true);
  f.print(
    serviceDoc(
      f,
      service,
      `The client of ${service.typeName}.\n\n\`\`\`ts\nconst client = new ${n.client}("localhost:50051", grpc.credentials.createInsecure());\n\`\`\`\n\nMembers starting with \`$\` (\`$close()\`, \`$client\`) belong to the client, never to an rpc.`,
    ),
  );
  f.print(f.export("class", n.client), ` extends `, serviceClient, ` {`);
  service.methods.forEach((method, i) => {
    if (i > 0) f.print();
    const key = methodKey(method);
    const def = [n.definition, ".", key];
    const input = schemaType(f, method, "input");
    const outputSchema = schemaType(f, method, "output");
    const output = f.importShape(method.output);
    const init = [f.import("MessageInitShape", "@bufbuild/protobuf", true), "<", input, ">"];
    const doc = f.jsDoc(method, "  ");
    switch (method.methodKind) {
      case "unary":
        f.print(doc);
        f.print(`  `, key, `(request: `, ...init, `, options?: `, callOptions, `): Promise<`, output, `> {`);
        f.print(`    return this.$unary(`, ...def, `, request, options);`);
        break;
      case "server_streaming": {
        const call = f.import("ServerStreamCall", RUNTIME, true);
        f.print(doc);
        f.print(
          `  `,
          key,
          `(request: `,
          ...init,
          `, options?: `,
          callOptions,
          `): `,
          call,
          `<`,
          ...outputSchema,
          `> {`,
        );
        f.print(`    return this.$serverStream(`, ...def, `, request, options);`);
        break;
      }
      case "client_streaming": {
        const call = f.import("ClientStreamCall", RUNTIME, true);
        const streamInput = f.import("StreamInput", RUNTIME, true);
        f.print(doc);
        f.print(
          `  `,
          key,
          `(requests: `,
          streamInput,
          `<`,
          input,
          `>, options?: `,
          callOptions,
          `): Promise<`,
          output,
          `>;`,
        );
        f.print(`  `, key, `(options?: `, callOptions, `): `, call, `<`, input, `, `, ...outputSchema, `>;`);
        f.print(`  `, key, `(`);
        f.print(`    requestsOrOptions?: `, streamInput, `<`, input, `> | `, callOptions, `,`);
        f.print(`    options?: `, callOptions, `,`);
        f.print(`  ): Promise<`, output, `> | `, call, `<`, input, `, `, ...outputSchema, `> {`);
        f.print(`    return this.$clientStream(`, ...def, `, requestsOrOptions, options);`);
        break;
      }
      case "bidi_streaming": {
        const call = f.import("BidiStreamCall", RUNTIME, true);
        const streamInput = f.import("StreamInput", RUNTIME, true);
        f.print(doc);
        f.print(`  `, key, `(`);
        f.print(`    requestsOrOptions?: `, streamInput, `<`, input, `> | `, callOptions, `,`);
        f.print(`    options?: `, callOptions, `,`);
        f.print(`  ): `, call, `<`, input, `, `, ...outputSchema, `> {`);
        f.print(`    return this.$bidiStream(`, ...def, `, requestsOrOptions, options);`);
        break;
      }
    }
    f.print(`  }`);
  });
  f.print(`}`);
  f.print();
}

/**
 * JSDoc for a service-level export: the service's own proto comment first (what a reader of
 * the proto wrote), then what rpcgen adds, then where it came from and `@deprecated`.
 */
function serviceDoc(f: RpcFile, service: DescService, about: string) {
  const { leading, trailing } = f.comments(service);
  const proto = [leading, trailing]
    .filter((c): c is string => c !== undefined && c.trim() !== "")
    // protoc keeps the space after `//`; JSDoc lines read better without it.
    .map((c) => c.replace(/\n$/, "").replace(/^ /gm, ""))
    .join("\n\n");
  const text = proto === "" ? about : `${proto}\n\n${about}`;
  return f.jsDoc(`${text}\n\n${generatedFromTag("service", service.typeName)}${deprecated(service)}`);
}

/** Every export of a deprecated service carries the tag, so editors strike out all its uses. */
function deprecated(service: DescService): string {
  return service.deprecated ? "\n@deprecated" : "";
}

/** `typeof FooSchema`, imported type-only. */
function schemaType(f: RpcFile, method: DescMethod, which: "input" | "output"): [string, ImportSymbol] {
  return ["typeof ", f.importSchema(method[which], true)];
}

function serverParams(f: RpcFile, method: DescMethod, prefix: string) {
  const output = schemaType(f, method, "output");
  const inputSchema = schemaType(f, method, "input");
  const input = f.importShape(method.input);
  const streamsIn = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
  const streamsOut = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
  const first = streamsIn
    ? [`${prefix}requests: `, f.import("RequestStream", RUNTIME, true), "<", ...inputSchema, ">"]
    : [`${prefix}request: `, input];
  const second = streamsOut
    ? [`, ${prefix}stream: `, f.import("ServerStream", RUNTIME, true), "<", ...output, ">"]
    : [`, ${prefix}context: `, f.import("CallContext", RUNTIME, true)];
  return [...first, ...second];
}

function serverResult(f: RpcFile, method: DescMethod) {
  const streamsOut = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
  const result = f.import(streamsOut ? "StreamResult" : "UnaryResult", RUNTIME, true);
  return [result, "<", ...schemaType(f, method, "output"), ">"];
}
