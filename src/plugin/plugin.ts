import { createEcmaScriptPlugin, type GeneratedFile } from "@bufbuild/protoplugin";
import { VERSION } from "../version.js";
import { type CodecOption, FileCodecs, generateCodecs } from "./generate-codec.js";
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
 * `import_extension` and `js_import_style` options as protoc-gen-es, and its own `codec`
 * (see parseOptions); any other option is rejected by name.
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
    parseOptions,
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
        const codecs = schema.options.codec === "generated" ? new FileCodecs(file) : undefined;
        for (const service of file.services) generateService(f, service, codecs);
        if (codecs !== undefined) generateCodecs(f, codecs);
      }
    },
  });
}

/** The plugin's own options. */
export interface PluginOptions {
  /**
   * `generated` (the default, DEFAULT_CODEC): the service definitions serialize with binary
   * codecs printed into the `_rpc` file for every message the services send or receive
   * (generate-codec.ts). `protobuf-es`: with protobuf-es's toBinary/fromBinary.
   */
  codec: CodecOption;
}

export const DEFAULT_CODEC: CodecOption = "generated";

function parseOptions(raw: { key: string; value: string }[]): PluginOptions {
  const options: PluginOptions = { codec: DEFAULT_CODEC };
  for (const { key, value } of raw) {
    if (key === "codec" && (value === "generated" || value === "protobuf-es")) {
      options.codec = value;
      continue;
    }
    // protoplugin turns this into `invalid option "<the plugin's options>"[: <message>]`.
    throw new Error(key === "codec" ? "use codec=generated or codec=protobuf-es" : "");
  }
  return options;
}
