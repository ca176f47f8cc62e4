import type { ClassDeclaration, CodeBlockWriter, SourceFile } from "ts-morph";
import type { FileStyle } from "./file-style.js";
import type { Implementation } from "./implementations.js";
import { copyType, ensureImport } from "./imports.js";
import type { RpcApi, ServiceApi } from "./service-api.js";

/** What sync found or did for one rpc (or leftover method) of a class. */
export type RpcState =
  | "implemented"
  | "stub" // a stub rpcgen added that is still unchanged
  | "stub added"
  | "missing" // would fall back to the Unimplemented base (or not compile, for `implements`)
  | "removed" // a method for an rpc the proto no longer has, marked @deprecated now
  | "deprecated"; // such a method, marked by an earlier run

export interface RpcReport {
  key: string;
  state: RpcState;
}

/** Marks a stub's body; while it is there the rpc counts as not implemented. */
export const STUB_MARKER = "TODO(rpcgen)";
const DEPRECATION_MARKER = "rpcgen sync:";

/**
 * Brings one implementation class in line with its service: adds a typed stub for every rpc
 * it lacks and marks methods of rpcs that left the proto `@deprecated` (never deleting them).
 * Edits touch only the new members, the deprecated methods' doc and `override`, and imports.
 * With `apply` false it only reports.
 */
export function syncClass(service: ServiceApi, impl: Implementation, style: FileStyle, apply: boolean): RpcReport[] {
  const { cls } = impl;
  const report: RpcReport[] = [];
  const methods = new Map(cls.getInstanceMethods().map((m) => [m.getName(), m]));
  for (const rpc of service.rpcs) {
    const method = methods.get(rpc.key);
    if (method === undefined) {
      if (apply) cls.addMember(stub(service, rpc, cls.getSourceFile(), style, impl.via === "extends"));
      report.push({ key: rpc.key, state: apply ? "stub added" : "missing" });
    } else {
      report.push({ key: rpc.key, state: method.getBodyText()?.includes(STUB_MARKER) ? "stub" : "implemented" });
    }
  }
  const keys = new Set(service.rpcs.map((r) => r.key));
  for (const [name, method] of methods) {
    if (keys.has(name)) continue;
    if (method.getJsDocs().some((d) => d.getText().includes(DEPRECATION_MARKER))) {
      report.push({ key: name, state: "deprecated" });
      continue;
    }
    // An `override` with nothing left to override in the base was an rpc (a helper method never is).
    if (impl.via !== "extends" || !method.hasOverrideKeyword()) continue;
    if (apply) {
      method.setHasOverrideKeyword(false);
      method.addJsDoc(
        `@deprecated ${DEPRECATION_MARKER} ${service.fullName} has no rpc for ${name} any more (removed or renamed in the proto). Move or delete this code.`,
      );
    }
    report.push({ key: name, state: "removed" });
  }
  return report;
}

/** A new class implementing every rpc of the service as a stub, for a service that has none. */
export function newImplementationClass(
  service: ServiceApi,
  file: SourceFile,
  className: string,
  style: FileStyle,
): void {
  const base = ensureImport(file, service.rpcFile, selfSpecifier(service.rpcFile), service.unimplementedClass, false);
  const cls: ClassDeclaration = file.addClass({
    name: className,
    isExported: true,
    extends: base,
    docs: [
      `Serves ${service.fullName}. Created by rpcgen sync: fill in each rpc where it says ${STUB_MARKER}.\nRpcs added to the proto later get stubs here too; nothing you write is rewritten.`,
    ],
  });
  for (const rpc of service.rpcs) cls.addMember(stub(service, rpc, file, style, true));
}

function stub(service: ServiceApi, rpc: RpcApi, to: SourceFile, style: FileStyle, override: boolean) {
  const from = service.rpcFile;
  const params = rpc.signature
    .getParameters()
    .map((p) => `_${p.getName()}: ${copyType(p.getTypeNodeOrThrow(), from, to)}`);
  const result = copyType(rpc.signature.getReturnTypeNodeOrThrow(), from, to);
  const rpcError = ensureImport(to, from, "@rpcgen/runtime", "RpcError", false);
  const code = ensureImport(to, from, "@rpcgen/runtime", "Code", false);
  const message = `${rpc.rpc} is not implemented yet`;
  const literal = style.quote === '"' ? JSON.stringify(message) : `'${message}'`;
  // The writer indents with the file's own indentation.
  return (writer: CodeBlockWriter) =>
    writer.write(`${override ? "override " : ""}${rpc.key}(${params.join(", ")}): ${result} `).block(() => {
      writer.writeLine(`// ${STUB_MARKER}: implement ${rpc.rpc}, then remove this comment and the throw.`);
      writer.writeLine(`throw new ${rpcError}(${code}.UNIMPLEMENTED, ${literal})${style.semicolons ? ";" : ""}`);
    });
}

/** How to import the generated file itself, with the extension style it uses for its _pb import. */
function selfSpecifier(rpcFile: SourceFile): string {
  const pb = rpcFile.getImportDeclarations().find((d) => /_pb(\.[jt]s)?$/.test(d.getModuleSpecifierValue()));
  const extension = /_pb(\.[jt]s)?$/.exec(pb?.getModuleSpecifierValue() ?? "")?.[1] ?? "";
  return `./${rpcFile.getBaseNameWithoutExtension()}${extension}`;
}
