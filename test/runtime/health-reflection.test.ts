// The health service and server reflection, checked with real clients: our generated health
// and reflection v1 clients, and grpc-js-reflection-client (protobufjs-based) for v1 and v1alpha.
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import {
  addHealthService,
  addReflection,
  Code,
  type HealthService,
  type RpcError,
  ServingStatus,
} from "@rpcgen/runtime";
import { GrpcReflection } from "grpc-js-reflection-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";
import { startServer } from "../helpers/server.js";
import { TestEcho } from "./echo-impl.js";
import { HealthCheckResponse_ServingStatus } from "./gen/grpc/health/v1/health_pb.js";
import { HealthClient } from "./gen/grpc/health/v1/health_rpc.js";
import type { ServerReflectionResponse } from "./gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflectionClient } from "./gen/grpc/reflection/v1/reflection_rpc.js";

const ECHO = "fixtures.echo.v1.EchoService";
let server: Awaited<ReturnType<typeof startServer>>;
let health: HealthService;
let channel: grpc.Client;

beforeAll(async () => {
  server = await startServer((s) => {
    // Reflection added first still sees services registered after it.
    addReflection(s);
    health = addHealthService(s);
    registerEchoServiceServer(s, new TestEcho());
  });
  channel = new grpc.Client(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  channel.close();
  await server.stop();
});

describe("health", () => {
  it("answers SERVING for the server and every registered service, NOT_FOUND for others", async () => {
    const c = new HealthClient(channel);
    expect((await c.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await c.check({ service: ECHO })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const err = await c.check({ service: "no.Such" }).catch((e: RpcError) => e);
    expect(err).toMatchObject({ code: Code.NOT_FOUND });
    const list = await c.list({});
    expect(Object.keys(list.statuses)).toEqual(expect.arrayContaining(["", ECHO, "grpc.health.v1.Health"]));
  });

  it("streams the current status and then every change to a Watch", async () => {
    const c = new HealthClient(channel);
    const watch = c.watch({ service: "custom.Service" });
    expect((await watch.recv())?.status).toBe(HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN);
    health.setStatus("custom.Service", ServingStatus.SERVING);
    expect((await watch.recv())?.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    health.setStatus("custom.Service", ServingStatus.NOT_SERVING);
    expect((await watch.recv())?.status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
    watch.cancel();
    const err = await watch.recv().catch((e: RpcError) => e);
    expect(err).toMatchObject({ code: Code.CANCELLED });
    expect(health.status("custom.Service")).toBe(ServingStatus.NOT_SERVING);
  });
});

describe("reflection v1 with our generated client", () => {
  async function ask(requests: Parameters<ServerReflectionClient["serverReflectionInfo"]>[0]) {
    const c = new ServerReflectionClient(channel);
    const out: ServerReflectionResponse[] = [];
    for await (const r of c.serverReflectionInfo(requests)) out.push(r);
    return out;
  }
  const files = (r: ServerReflectionResponse | undefined) =>
    r?.messageResponse.case === "fileDescriptorResponse"
      ? r.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b))
      : [];

  it("lists the registered services", async () => {
    const [r] = await ask([{ messageRequest: { case: "listServices", value: "" } }]);
    expect(r?.messageResponse.case).toBe("listServicesResponse");
    const names = r?.messageResponse.case === "listServicesResponse" ? r.messageResponse.value.service : [];
    expect(names.map((s) => s.name)).toEqual([
      ECHO,
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  });

  it("describes a service with its imports, each sent once per stream, enough to rebuild it", async () => {
    const [first, second, byFile, byMethod] = await ask([
      { messageRequest: { case: "fileContainingSymbol", value: ECHO } },
      { messageRequest: { case: "fileContainingSymbol", value: "fixtures.echo.v1.EchoRequest.Nested" } },
      { messageRequest: { case: "fileByFilename", value: "google/protobuf/timestamp.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: `${ECHO}.Echo` } },
    ]);
    const described = files(first);
    expect(described.map((f) => f.name)).toEqual([
      "fixtures/echo.proto",
      "google/protobuf/empty.proto",
      "google/protobuf/timestamp.proto",
    ]);
    expect(files(second).map((f) => f.name)).toEqual(["fixtures/echo.proto"]);
    expect(files(byFile).map((f) => f.name)).toEqual(["google/protobuf/timestamp.proto"]);
    expect(files(byMethod).map((f) => f.name)).toEqual(["fixtures/echo.proto"]);
    expect(first?.originalRequest?.messageRequest).toEqual({ case: "fileContainingSymbol", value: ECHO });
    // A file registry wants imports first; reflection sends the requested file first.
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [...described].reverse() }));
    const service = registry.getService(ECHO);
    expect(service?.methods.map((m) => `${m.name} ${m.methodKind}`)).toContain("Bidi bidi_streaming");
    expect(registry.getMessage("fixtures.echo.v1.EchoRequest")?.fields.map((f) => f.name)).toEqual([
      "text",
      "count",
      "fail_code",
      "nested",
    ]);
  });

  it("answers NOT_FOUND for unknown files, symbols and extensions, and keeps the stream open", async () => {
    const answers = await ask([
      { messageRequest: { case: "fileByFilename", value: "nope.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "no.Such" } },
      { messageRequest: { case: "fileContainingExtension", value: { containingType: "no.Such", extensionNumber: 5 } } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "fixtures.echo.v1.EchoRequest" } },
    ]);
    expect(answers.slice(0, 3).map((a) => a.messageResponse.case)).toEqual([
      "errorResponse",
      "errorResponse",
      "errorResponse",
    ]);
    for (const a of answers.slice(0, 3)) expect(a.messageResponse.value).toMatchObject({ errorCode: Code.NOT_FOUND });
    expect(answers[3]?.messageResponse).toMatchObject({
      case: "allExtensionNumbersResponse",
      value: { baseTypeName: "fixtures.echo.v1.EchoRequest", extensionNumber: [] },
    });
  });
});

describe.each(["v1", "v1alpha"])("reflection %s with grpc-js-reflection-client", (version) => {
  it("lists services, and a client built only from reflected descriptors calls Echo", async () => {
    const reflection = new GrpcReflection(server.address, grpc.credentials.createInsecure(), {}, version);
    expect(await reflection.listServices()).toContain(ECHO);
    const methods = await reflection.listMethods(ECHO);
    expect(methods.map((m) => m.name)).toEqual(expect.arrayContaining(["Echo", "ServerStream", "Bidi"]));
    const descriptor = await reflection.getDescriptorBySymbol(ECHO);
    const pkg = descriptor.getPackageObject({ keepCase: true }) as unknown as {
      fixtures: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } };
    };
    type Reply = { text: string };
    const dynamic = new pkg.fixtures.echo.v1.EchoService(
      server.address,
      grpc.credentials.createInsecure(),
    ) as unknown as grpc.Client & {
      Echo(request: Reply, callback: (err: grpc.ServiceError | null, reply?: Reply) => void): void;
    };
    try {
      const reply = await new Promise<Reply | undefined>((resolve, reject) =>
        dynamic.Echo({ text: "via reflection" }, (err, res) => (err ? reject(err) : resolve(res))),
      );
      expect(reply?.text).toBe("via reflection");
    } finally {
      dynamic.close();
    }
  });
});
