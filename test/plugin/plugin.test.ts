// In-process tests of protoc-gen-ts-rpc: inline protos compiled by buf, the request handed to
// the plugin as protoc would, the response inspected.
import { describe, expect, test } from "vitest";
import { runPlugin } from "../../src/plugin/main.js";
import { pluginRequest } from "../helpers/compile.js";

const greeter = `syntax = "proto3";
package demo.v1;

// Greeter greets.
service Greeter {
  // SayHello says hello.
  rpc SayHello(HelloRequest) returns (HelloReply);
  // Bye is going away.
  rpc Bye(HelloRequest) returns (HelloReply) { option deprecated = true; }
}

message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
`;

/** Runs the plugin; returns the error, or the generated files by name. */
function generate(files: Record<string, string>, parameter = "") {
  const response = runPlugin(pluginRequest(files, parameter));
  return {
    error: response.error,
    files: Object.fromEntries(response.file.map((f) => [f.name, f.content])),
  };
}

describe("bad input answers through CodeGeneratorResponse.error", () => {
  test("an unknown option is rejected by name", () => {
    const out = generate({ "demo.proto": greeter }, "target=ts,foo=bar");
    expect(out.error).toBe('invalid option "foo=bar"');
    expect(out.files).toEqual({});
  });

  test("a bad value of a known option is rejected", () => {
    const out = generate({ "demo.proto": greeter }, "target=java");
    expect(out.error).toBe('invalid option "target=java"');
  });

  test("a bad codec is rejected with the values it takes", () => {
    const out = generate({ "demo.proto": greeter }, "target=ts,codec=fast");
    expect(out.error).toBe('invalid option "codec=fast": use codec=generated or codec=protobuf-es');
  });

  test("rpcs whose generated methods collide are rejected, naming file, service and rpcs", () => {
    const proto = `syntax = "proto3";
      service S { rpc GetFoo(M) returns (M); rpc getFoo(M) returns (M); }
      message M {}`;
    expect(generate({ "x.proto": proto }).error).toBe(
      "x.proto: service S: rpcs GetFoo and getFoo both map to method getFoo",
    );
  });

  test("services whose exports collide are rejected", () => {
    const proto = `syntax = "proto3";
      service Foo { rpc A(M) returns (M); }
      service UnimplementedFoo { rpc B(M) returns (M); }
      message M {}`;
    expect(generate({ "x.proto": proto }).error).toBe(
      "x.proto: service UnimplementedFoo: generated name UnimplementedFooServer is also generated for service Foo",
    );
  });

  test("full method name constants that collide are rejected", () => {
    const proto = `syntax = "proto3";
      service A { rpc B_C(M) returns (M); }
      service A_B { rpc C(M) returns (M); }
      message M {}`;
    expect(generate({ "x.proto": proto }).error).toBe(
      "x.proto: service A_B: generated name A_B_C_FullMethodName is also generated for service A",
    );
  });
});

describe("output files", () => {
  test("one _rpc file per proto with services, nothing for the others", () => {
    const out = generate(
      {
        "demo.proto": greeter,
        "types.proto": `syntax = "proto3"; package demo.v1; message Only {}`,
      },
      "target=ts",
    );
    expect(out.error).toBe("");
    expect(Object.keys(out.files)).toEqual(["demo_rpc.ts"]);
  });

  test("target=js+dts, the default, writes .js and .d.ts", () => {
    const out = generate({ "demo.proto": greeter });
    expect(Object.keys(out.files).sort()).toEqual(["demo_rpc.d.ts", "demo_rpc.js"]);
    expect(out.files["demo_rpc.js"]).toContain("export class GreeterClient extends ServiceClient {");
    expect(out.files["demo_rpc.d.ts"]).toContain("export declare class GreeterClient extends ServiceClient {");
  });

  test("import_extension and js_import_style shape the imports", () => {
    const withExt = generate({ "demo.proto": greeter }, "target=ts,import_extension=js").files["demo_rpc.ts"];
    expect(withExt).toContain('from "./demo_pb.js";');
    const noExt = generate({ "demo.proto": greeter }, "target=ts").files["demo_rpc.ts"];
    expect(noExt).toContain('from "./demo_pb";');
    const cjs = generate({ "demo.proto": greeter }, "target=js,js_import_style=legacy_commonjs").files["demo_rpc.js"];
    expect(cjs).toContain('require("@rpcgen/runtime")');
    expect(cjs).toContain("exports.GreeterClient = GreeterClient;");
  });

  test("a run does not inherit the targets of an earlier run in the same process", () => {
    generate({ "demo.proto": greeter }, "target=js+dts");
    expect(Object.keys(generate({ "demo.proto": greeter }, "target=ts").files)).toEqual(["demo_rpc.ts"]);
  });

  test("output is deterministic", () => {
    const request = pluginRequest(
      { "demo.proto": greeter, "other.proto": greeter.replace("demo.v1", "other") },
      "target=ts",
    );
    const first = runPlugin(request).file.map((f) => [f.name, f.content]);
    const second = runPlugin(request).file.map((f) => [f.name, f.content]);
    expect(first.length).toBe(2);
    expect(second).toEqual(first);
  });
});

describe("generated API", () => {
  const ts = () => generate({ "demo.proto": greeter }, "target=ts").files["demo_rpc.ts"] ?? "";

  test("exports the names protoc-gen-go-grpc users expect", () => {
    const code = ts();
    for (const name of [
      'export const GreeterServiceName = "demo.v1.Greeter";',
      'export const Greeter_SayHello_FullMethodName = "/demo.v1.Greeter/SayHello";',
      "export const GreeterDefinition: {",
      "export interface GreeterServer {",
      "export class UnimplementedGreeterServer implements GreeterServer {",
      "export function registerGreeterServer(server: Server, implementation: GreeterServer): void {",
      "export class GreeterClient extends ServiceClient {",
    ]) {
      expect(code).toContain(name);
    }
  });

  test("proto comments become JSDoc, deprecated rpcs @deprecated", () => {
    const code = ts();
    expect(code).toMatch(/\* Greeter greets\.\n \*\n \* The server API of demo\.v1\.Greeter\./);
    expect(code).toMatch(/\* Greeter greets\.\n \*\n \* The client of demo\.v1\.Greeter\./);
    expect(code).toMatch(/\* SayHello says hello\.\n {3}\*\n {3}\* @generated from rpc demo\.v1\.Greeter\.SayHello/);
    expect(code).toMatch(
      /\* Bye is going away\.\n {3}\*\n {3}\* @generated from rpc demo\.v1\.Greeter\.Bye\n {3}\* @deprecated/,
    );
    expect(code.match(/@deprecated/g)?.length).toBe(2); // Bye in the interface and in the client
  });

  test("the runtime API version is named in the code", () => {
    expect(ts()).toContain("supportPackageIsVersion1;");
  });

  test("an rpc named Then becomes then$, so no object is thenable", () => {
    const proto = `syntax = "proto3"; service S { rpc Then(M) returns (M); } message M {}`;
    const code = generate({ "x.proto": proto }, "target=ts").files["x_rpc.ts"];
    expect(code).toContain("then$(request: MessageInitShape<typeof MSchema>, options?: CallOptions): Promise<M> {");
    expect(code).not.toMatch(/^\s+then\(/m);
  });

  test("a file in editions 2023 generates", () => {
    const proto = `edition = "2023"; package e; service S { rpc Get(M) returns (M); } message M { string s = 1; }`;
    const out = generate({ "e.proto": proto }, "target=ts");
    expect(out.error).toBe("");
    expect(out.files["e_rpc.ts"]).toContain("export class SClient extends ServiceClient {");
  });
});

describe("codec option", () => {
  const withStruct = `syntax = "proto3";
package demo.v1;
import "google/protobuf/struct.proto";
service S { rpc Get(Req) returns (Res); }
message Req { string name = 1; Inner inner = 2; }
message Inner { repeated int32 values = 1; }
message Res { google.protobuf.Struct data = 1; }
`;

  test("codec=generated prints an encoder and decoder per message the services reach, and uses them", () => {
    const rpc = generate({ "demo.proto": withStruct }, "target=ts,codec=generated").files["demo_rpc.ts"] ?? "";
    expect(rpc).toContain("generatedCodec(encode$Req, decode$Req),");
    expect(rpc).toContain("function encode$Inner(w: Writer, m: Inner): void {");
    expect(rpc).toContain("function decode$Inner(r: Reader, length: number, target?: Inner): Inner {");
  });

  test("a message that is not specialised falls back to protobuf-es, and the output says why", () => {
    const rpc = generate({ "demo.proto": withStruct }, "target=ts,codec=generated").files["demo_rpc.ts"] ?? "";
    expect(rpc).toContain("protobufEsCodec(ResSchema),");
    expect(rpc).toContain(
      "// demo.v1.Res falls back to protobuf-es's toBinary/fromBinary: field data is a google.protobuf.Struct, which protobuf-es represents as JSON.",
    );
    expect(rpc).not.toContain("function encode$Res(");
  });

  test("codec=protobuf-es prints the definitions of protobuf-es's serializers only", () => {
    const rpc = generate({ "demo.proto": withStruct }, "target=ts,codec=protobuf-es").files["demo_rpc.ts"] ?? "";
    expect(rpc).toContain("get: methodDefinition(S.method.get),");
    expect(rpc).not.toContain("encode$");
  });
});
