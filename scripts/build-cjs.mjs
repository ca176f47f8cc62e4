// The CommonJS build of a package, from its sources and its ESM build (tsc's output):
// `node build-cjs.mjs <src> <esm> <cjs>`. Each .ts file is transpiled on its own with
// TypeScript's transpileModule (the sources use `import type` wherever a name is only a type,
// so no type information is needed), and the ESM build's .d.ts files are copied beside the
// output, where a `{"type":"commonjs"}` package.json makes TypeScript and Node read both as
// CommonJS. A CommonJS app then loads this build and the CommonJS build of @bufbuild/protobuf,
// one copy of each, and its types line up with its `_pb` files.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

const [src, esm, cjs] = process.argv.slice(2);
if (cjs === undefined) throw new Error("usage: build-cjs.mjs <src> <esm> <cjs>");

const options = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  verbatimModuleSyntax: false,
  sourceMap: false,
};
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) continue;
  const file = join(entry.parentPath, entry.name);
  const path = relative(src, file).replace(/\.ts$/, "");
  const out = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions: options, fileName: file });
  mkdirSync(dirname(join(cjs, path)), { recursive: true });
  writeFileSync(join(cjs, `${path}.js`), out.outputText);
  copyFileSync(join(esm, `${path}.d.ts`), join(cjs, `${path}.d.ts`));
}
writeFileSync(join(cjs, "package.json"), '{"type":"commonjs"}\n');
