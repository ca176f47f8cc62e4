import {
  type DescEnum,
  type DescExtension,
  type DescFile,
  type DescMessage,
  type DescService,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import * as v1 from "../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { methodDefinition } from "../shared/method-definition.js";
import { Code } from "../shared/rpc-error.js";
import { registerService } from "./register-service.js";
import type { RequestStream } from "./request-stream.js";
import { serverState } from "./server-state.js";

export interface ReflectionOptions {
  /**
   * More files to describe, e.g. of services mounted with grpc-js's own `addService`
   * (pass their protobuf-es `file_…` export). Their dependencies come along.
   */
  files?: readonly DescFile[];
}

/**
 * Adds server reflection (`grpc.reflection.v1` and `grpc.reflection.v1alpha`) to `server`, so
 * that grpcurl, Postman and other tools can list and describe its services. It describes every
 * service registered with a generated `register…Server` (before or after this call) from its
 * protobuf-es descriptors, with the files they import.
 *
 * ```ts
 * addReflection(server);  // then: grpcurl -plaintext 127.0.0.1:50051 list
 * ```
 */
export function addReflection(server: grpc.Server, options: ReflectionOptions = {}): void {
  const extraFiles = options.files ?? [];
  const index = () => new ReflectionIndex([...serverState(server).services.values()], extraFiles);
  registerService(
    server,
    { serverReflectionInfo: methodDefinition(v1.ServerReflection.method.serverReflectionInfo) },
    {
      async *serverReflectionInfo(requests: RequestStream<typeof v1.ServerReflectionRequestSchema>) {
        const session = new ReflectionSession(index());
        for await (const request of requests) {
          yield { ...session.answer(request), validHost: request.host, originalRequest: request };
        }
      },
    },
  );
  registerService(
    server,
    { serverReflectionInfo: methodDefinition(v1alpha.ServerReflection.method.serverReflectionInfo) },
    {
      async *serverReflectionInfo(requests: RequestStream<typeof v1alpha.ServerReflectionRequestSchema>) {
        const session = new ReflectionSession(index());
        for await (const request of requests) {
          // The two versions have the same messages under another package name.
          const answer = session.answer(request as unknown as v1.ServerReflectionRequest);
          yield {
            ...(answer as unknown as MessageInitShape<typeof v1alpha.ServerReflectionResponseSchema>),
            validHost: request.host,
            originalRequest: request,
          };
        }
      },
    },
  );
}

type Answer = MessageInitShape<typeof v1.ServerReflectionResponseSchema>;

/** One reflection stream: a client is sent each dependency once, as grpc-go does. */
class ReflectionSession {
  readonly #index: ReflectionIndex;
  readonly #sent = new Set<string>();

  constructor(index: ReflectionIndex) {
    this.#index = index;
  }

  answer(request: v1.ServerReflectionRequest): Answer {
    const r = request.messageRequest;
    switch (r.case) {
      case "listServices":
        return {
          messageResponse: {
            case: "listServicesResponse",
            value: { service: this.#index.serviceNames().map((name) => ({ name })) },
          },
        };
      case "fileByFilename":
        return this.#files(this.#index.files.get(r.value), `file ${r.value} not found`);
      case "fileContainingSymbol":
        return this.#files(this.#index.symbols.get(r.value), `symbol ${r.value} not found`);
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = r.value;
        const file = this.#index.extensions.get(containingType)?.get(extensionNumber);
        return this.#files(file, `extension ${extensionNumber} of ${containingType} not found`);
      }
      case "allExtensionNumbersOfType": {
        if (!this.#index.messages.has(r.value)) return notFound(`type ${r.value} not found`);
        const numbers = [...(this.#index.extensions.get(r.value)?.keys() ?? [])].sort((a, b) => a - b);
        return {
          messageResponse: {
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: r.value, extensionNumber: numbers },
          },
        };
      }
      default:
        return error(Code.INVALID_ARGUMENT, "the request sets no known message_request");
    }
  }

  #files(file: DescFile | undefined, missing: string): Answer {
    if (file === undefined) return notFound(missing);
    // The requested file always, then whatever it depends on that this stream has not sent yet.
    const out: DescFile[] = [file];
    this.#sent.add(file.proto.name);
    const visit = (f: DescFile) => {
      for (const dep of f.dependencies) {
        if (this.#sent.has(dep.proto.name)) continue;
        this.#sent.add(dep.proto.name);
        out.push(dep);
        visit(dep);
      }
    };
    visit(file);
    return {
      messageResponse: {
        case: "fileDescriptorResponse",
        value: { fileDescriptorProto: out.map((f) => toBinary(FileDescriptorProtoSchema, f.proto)) },
      },
    };
  }
}

function error(code: Code, message: string): Answer {
  return { messageResponse: { case: "errorResponse", value: { errorCode: code, errorMessage: message } } };
}

function notFound(message: string): Answer {
  return error(Code.NOT_FOUND, message);
}

/** Files, symbols and extensions reachable from the registered services, by name. */
class ReflectionIndex {
  readonly services: DescService[];
  readonly files = new Map<string, DescFile>();
  readonly symbols = new Map<string, DescFile>();
  readonly messages = new Set<string>();
  readonly extensions = new Map<string, Map<number, DescFile>>();

  readonly #extraFiles: readonly DescFile[];

  constructor(services: DescService[], extraFiles: readonly DescFile[]) {
    this.services = services;
    this.#extraFiles = extraFiles;
    for (const s of services) this.#addFile(s.file);
    for (const f of extraFiles) this.#addFile(f);
  }

  /** The registered services and those of the extra files; not every service of an imported file. */
  serviceNames(): string[] {
    const names = new Set(this.services.map((s) => s.typeName));
    for (const file of this.#extraFiles) for (const s of file.services) names.add(s.typeName);
    return [...names].sort();
  }

  #addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    for (const dep of file.dependencies) this.#addFile(dep);
    for (const m of file.messages) this.#addMessage(file, m);
    for (const e of file.enums) this.#addEnum(file, e);
    for (const x of file.extensions) this.#addExtension(file, x);
    for (const s of file.services) {
      this.symbols.set(s.typeName, file);
      for (const m of s.methods) this.symbols.set(`${s.typeName}.${m.name}`, file);
    }
  }

  #addMessage(file: DescFile, message: DescMessage): void {
    this.symbols.set(message.typeName, file);
    this.messages.add(message.typeName);
    for (const f of message.fields) this.symbols.set(`${message.typeName}.${f.name}`, file);
    for (const o of message.oneofs) this.symbols.set(`${message.typeName}.${o.name}`, file);
    for (const m of message.nestedMessages) this.#addMessage(file, m);
    for (const e of message.nestedEnums) this.#addEnum(file, e);
    for (const x of message.nestedExtensions) this.#addExtension(file, x);
  }

  #addEnum(file: DescFile, e: DescEnum): void {
    this.symbols.set(e.typeName, file);
    // Enum values are scoped beside their enum, as in C++ (`pkg.VALUE`), and found under the enum too.
    const scope = e.typeName.slice(0, Math.max(0, e.typeName.lastIndexOf(".")));
    for (const v of e.values) {
      this.symbols.set(scope ? `${scope}.${v.name}` : v.name, file);
      this.symbols.set(`${e.typeName}.${v.name}`, file);
    }
  }

  #addExtension(file: DescFile, x: DescExtension): void {
    this.symbols.set(x.typeName, file);
    let byNumber = this.extensions.get(x.extendee.typeName);
    if (byNumber === undefined) {
      byNumber = new Map();
      this.extensions.set(x.extendee.typeName, byNumber);
    }
    byNumber.set(x.number, file);
  }
}
