// target=js / target=dts: turns the generated `_rpc.ts` files into `.js` and `.d.ts`.
//
// Works around @bufbuild/protoplugin 2.17's own transpile, which builds its compiler host with
// @typescript/vfs. vfs loads `typescript` from wherever npm hoisted it, which in a user's
// project is the project's TypeScript. With TypeScript 7 there (the native port: no JS
// compiler API, no lib/*.d.ts) the emit fails with "TS4055 ... private name 'Promise'" and a
// stack trace. This transpiler uses the TypeScript protoplugin itself depends on (pinned by
// it, 5.4.5 in 2.17), resolved from protoplugin's own folder, and reads the standard library
// from that same copy, so the user's TypeScript, 5.9, 7 or none, never matters. The compiler
// options are the ones protoplugin's transpile uses, so the output is byte-identical to it
// (test/plugin/upstream.test.ts compares the two).
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { FileInfo } from "@bufbuild/protoplugin";
import type * as TS from "typescript";
import { GenerateError } from "../names.js";

let loaded: typeof TS | undefined;

/** protoplugin's own TypeScript, loaded on first use (0.6 s, paid only by js/dts runs). */
function typescript(): typeof TS {
  loaded ??= createRequire(import.meta.resolve("@bufbuild/protoplugin"))("typescript") as typeof TS;
  return loaded;
}

export function transpile(
  files: FileInfo[],
  transpileJs: boolean,
  transpileDts: boolean,
  jsImportStyle: "module" | "legacy_commonjs",
): FileInfo[] {
  const ts = typescript();
  const options: TS.CompilerOptions = {
    strict: false,
    module: jsImportStyle === "legacy_commonjs" ? ts.ModuleKind.CommonJS : ts.ModuleKind.ES2020,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    noResolve: true,
    resolveJsonModule: false,
    emitBOM: false,
    newLine: ts.NewLineKind.LineFeed,
    allowJs: true,
    checkJs: false,
    moduleDetection: ts.ModuleDetectionKind.Force,
    target: ts.ScriptTarget.ES2017,
    skipLibCheck: true,
    skipDefaultLibCheck: false,
    declaration: transpileDts,
    emitDeclarationOnly: transpileDts && !transpileJs,
  };
  // Generated sources live in memory under their own names; the standard library is read from
  // the TypeScript package's lib folder.
  const sources = new Map(files.map((f) => [f.name, f]));
  const host = ts.createCompilerHost(options);
  const libDir = dirname(ts.getDefaultLibFilePath(options));
  host.getDefaultLibLocation = () => libDir;
  host.getCurrentDirectory = () => "/";
  host.fileExists = (name) => sources.has(name) || (name.startsWith(libDir) && ts.sys.fileExists(name));
  host.readFile = (name) => sources.get(name)?.content ?? (name.startsWith(libDir) ? ts.sys.readFile(name) : undefined);
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language) => {
    const source = sources.get(name);
    return source === undefined ? readSource(name, language) : ts.createSourceFile(name, source.content, language);
  };
  const program = ts.createProgram({ rootNames: [...sources.keys()], options, host });

  const out: FileInfo[] = [];
  const result = program.emit(undefined, (name, content, _bom, _onError, emittedFrom) => {
    // Each output has exactly one source; it keeps that source's preamble (not part of the AST).
    const source = emittedFrom?.length === 1 ? sources.get(emittedFrom[0]?.fileName ?? "") : undefined;
    if (source === undefined) throw new Error(`transpile: cannot tell which file ${name} was emitted from`);
    out.push({ name, content, ...(source.preamble === undefined ? {} : { preamble: source.preamble }) });
  });
  if (result.emitSkipped) {
    const first = ts.sortAndDeduplicateDiagnostics(result.diagnostics)[0];
    const why = first === undefined ? "no diagnostics" : ts.flattenDiagnosticMessageText(first.messageText, " ");
    throw new GenerateError(
      `cannot transpile to ${transpileJs ? "JavaScript" : "declarations"} (TypeScript ${ts.version}: ${why}); ` +
        "generate with target=ts and compile with your own tsc instead",
    );
  }
  return out;
}
