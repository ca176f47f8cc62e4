import { createEcmaScriptPlugin, type GeneratedFile } from "@bufbuild/protoplugin";
import { VERSION } from "../version.js";
import { generateService, RUNTIME } from "./generate-service.js";
import { checkNames } from "./names.js";
import { cachedFile, createSymbolCache, protopluginFile, type RpcFile } from "./upstream/symbol-cache.js";
import { transpile } from "./upstream/transpile.js";

/**
 * How the plugin does what protoplugin also does: `"cached"` (the default) with the
 * workarounds in upstream/, `"protoplugin"` the upstream way. Tests use the upstream way as
 * the reference the workarounds must match byte for byte.
 */
export type Lookups = "cached" | "protoplugin";

/**
 * protoc-gen-ts-rpc: for every proto file with services, writes `<name>_rpc.ts` (or `.js` +
 * `.d.ts`) beside protoc-gen-es's `<name>_pb.ts`. Takes the same `target`,
 * `import_extension` and `js_import_style` options as protoc-gen-es; with no options of
 * its own, protoplugin rejects any other option by name.
 *
 * A new plugin per request: protoplugin (2.13 to 2.17) keeps whether to transpile to .js/.d.ts
 * in the plugin object, so a second run in one process would inherit the first run's targets.
 *
 * `lookups: "protoplugin"` prints the same bytes as the default, in time quadratic in the
 * size of the largest file, and transpiles with protoplugin's own transpiler; tests use it as
 * the reference (see upstream/README.md).
 */
export function createPlugin(lookups: Lookups = "cached") {
  return createEcmaScriptPlugin({
    name: "protoc-gen-ts-rpc",
    version: `v${VERSION}`,
    ...(lookups === "cached" ? { transpile } : {}),
    generateTs(schema) {
      const cache = createSymbolCache();
      const wrap = (f: GeneratedFile): RpcFile => (lookups === "cached" ? cachedFile(f, cache) : protopluginFile(f));
      for (const file of schema.files) {
        if (file.services.length === 0) continue;
        checkNames(file);
        const f = wrap(schema.generateFile(`${file.name}_rpc.ts`));
        f.preamble(file);
        // Fails to compile (or, in ESM, to link) against a runtime that dropped this API version.
        f.print(f.import("supportPackageIsVersion1", RUNTIME), ";");
        f.print();
        for (const service of file.services) generateService(f, service);
      }
    },
  });
}
