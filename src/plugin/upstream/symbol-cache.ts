import type {
  AnyDesc,
  DescEnum,
  DescExtension,
  DescFile,
  DescMessage,
  DescMethod,
  DescService,
} from "@bufbuild/protobuf";
import { type GeneratedFile, getComments, type ImportSymbol, type Printable } from "@bufbuild/protoplugin";
import { type Comments, indexComments, rpcJsDocText } from "./comment-index.js";
import { type EsNames, esNames } from "./es-names.js";

/** What generate-service.ts prints with: protoplugin's GeneratedFile plus a comment lookup. */
export interface RpcFile extends GeneratedFile {
  comments(desc: DescService | DescMethod): Comments;
}

/**
 * What one request has learned about its files, shared by every file it generates: a big
 * `_pb` file is named once, not once per `_rpc` file importing from it. Descriptors belong
 * to one request (protoplugin builds a new registry per run), so is this cache.
 */
export interface SymbolCache {
  /** Per file imported from: the names of its exports, and its import path. */
  readonly imports: Map<DescFile, { names: EsNames | undefined; from: string }>;
  /** Per generated file: comments of its services and rpcs. */
  readonly comments: Map<DescFile, Map<DescService | DescMethod, Comments>>;
}

export function createSymbolCache(): SymbolCache {
  return { imports: new Map(), comments: new Map() };
}

type SchemaDesc = DescMessage | DescEnum | DescExtension | DescService | DescFile;

/**
 * Wraps `f` so that the lookups protoplugin redoes on every call (`importSchema`,
 * `importShape`, `jsDoc` of an rpc, comments) are answered from `cache`; everything else is
 * `f`'s own. It prints the same bytes as `protopluginFile(f)` (test/plugin/plugin-speed.test.ts) in
 * time linear in the request instead of quadratic in the largest file (issue 8).
 */
export function cachedFile(f: GeneratedFile, cache: SymbolCache): RpcFile {
  const importsOf = (file: DescFile) => {
    let entry = cache.imports.get(file);
    if (entry === undefined) {
      // One protoplugin lookup per file gives the import path (`./foo_pb.js`, or
      // `@bufbuild/protobuf/wkt` for a well-known type) and checks our naming against
      // protoplugin's on the file's own export.
      const probe = f.importSchema(file);
      let names = esNames(file);
      if (names?.schema.get(file) !== probe.name) names = undefined;
      entry = { names, from: probe.from };
      cache.imports.set(file, entry);
    }
    return entry;
  };
  const commentsOf = (desc: DescService | DescMethod): Comments => {
    const file = desc.kind === "service" ? desc.file : desc.parent.file;
    let index = cache.comments.get(file);
    if (index === undefined) {
      index = indexComments(file);
      cache.comments.set(file, index);
    }
    return index.get(desc) ?? {};
  };
  const overrides = {
    importSchema(desc: SchemaDesc, typeOnly = false): ImportSymbol {
      const { names, from } = importsOf(desc.kind === "file" ? desc : desc.file);
      const name = names?.schema.get(desc);
      // A file whose names clash is left to protoplugin, which resolves clashes its own way.
      return name === undefined ? f.importSchema(desc, typeOnly) : f.import(name, from, typeOnly);
    },
    importShape(desc: DescMessage | DescEnum): ImportSymbol {
      const { names, from } = importsOf(desc.file);
      const name = names?.shape.get(desc);
      return name === undefined ? f.importShape(desc) : f.import(name, from, true);
    },
    jsDoc(textOrDesc: string | Exclude<AnyDesc, DescFile>, indentation?: string): Printable {
      if (typeof textOrDesc === "string") return f.jsDoc(textOrDesc, indentation);
      if (textOrDesc.kind !== "rpc") return f.jsDoc(textOrDesc, indentation);
      return f.jsDoc(rpcJsDocText(textOrDesc, commentsOf(textOrDesc)), indentation);
    },
    comments: commentsOf,
  };
  // Inherit the rest from `f`: protoplugin's methods are closures, not `this`-bound.
  return Object.assign(Object.create(f) as GeneratedFile, overrides);
}

/**
 * `f` with protoplugin's own lookups, quadratic in a file's size. Kept as the reference the
 * tests compare `cachedFile` with.
 */
export function protopluginFile(f: GeneratedFile): RpcFile {
  const comments = (desc: DescService | DescMethod): Comments => {
    const { leading, trailing } = getComments(desc);
    return { ...(leading !== undefined && { leading }), ...(trailing !== undefined && { trailing }) };
  };
  return Object.assign(Object.create(f) as GeneratedFile, { comments });
}
