// The naming contract between protoc-gen-ts-rpc, which writes these names, and `rpcgen sync`,
// which finds implementation classes and rpcs by them. Both import this module, so renaming a
// generated export here changes the writer and the reader together (test/cli/sync.test.ts and
// test/plugin/plugin.test.ts hold both to it).

/** The names one service `S` exports from its `_rpc` file. */
export function serviceExports(service: string) {
  return {
    server: `${service}Server`,
    unimplemented: `Unimplemented${service}Server`,
    register: `register${service}Server`,
    definition: `${service}Definition`,
    client: `${service}Client`,
    serviceName: `${service}ServiceName`,
    fullMethodName: (rpc: string) => `${service}_${rpc}_FullMethodName`,
  };
}

/** The service whose `Unimplemented…Server` class has this name, if it is one. */
export function serviceOfUnimplemented(className: string): string | undefined {
  const service = /^Unimplemented(\w+)Server$/.exec(className)?.[1];
  return service !== undefined && serviceExports(service).unimplemented === className ? service : undefined;
}

/**
 * The generated method of an rpc: protoc-gen-es's `localName` (`sayHello`, `constructor$`,
 * `toString$`), except that `then` becomes `then$`: a server or client object with a `then`
 * method would be mistaken for a promise by `await`.
 */
export function methodKey(localName: string): string {
  return localName === "then" ? "then$" : localName;
}

/** The JSDoc tag that names where a generated declaration came from: `@generated from rpc a.B.C`. */
export function generatedFromTag(kind: "service" | "rpc", fullName: string): string {
  return `@generated from ${kind} ${fullName}`;
}

/** The full name in the first `@generated from <kind>` tag of these JSDoc texts. */
export function readGeneratedFrom(docs: string[], kind: "service" | "rpc"): string | undefined {
  const prefix = generatedFromTag(kind, "");
  for (const doc of docs) {
    const at = doc.indexOf(prefix);
    if (at >= 0) return /^\S+/.exec(doc.slice(at + prefix.length))?.[0];
  }
  return undefined;
}
