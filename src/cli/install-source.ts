import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { VERSION } from "../version.js";
import { packageRoot } from "./package-root.js";

/** The two packages a scaffolded project depends on, and where they come from. */
export interface InstallSource {
  /** How this rpcgen was installed: from the registry, from tarballs of `npm run pack`, or a checkout. */
  kind: "registry" | "tarballs" | "checkout";
  /** Version specs by package name, as package.json takes them. */
  specs: { rpcgen: string; "@rpcgen/runtime": string };
}

/** Written into the packed rpcgen by scripts/pack.sh: the tarballs it was packed beside. */
export const TARBALLS_FILE = "dist/install-source.json";

/**
 * Where a project scaffolded by this rpcgen gets rpcgen and @rpcgen/runtime, so that it
 * installs wherever this rpcgen came from:
 * - from the registry: `^<version>` ranges;
 * - from tarballs packed by `npm run pack`: those tarballs (their paths are in
 *   dist/install-source.json, which only the pack script writes);
 * - from a checkout (bin/rpcgen.js of a clone, or `npm link`): the packages' folders in it,
 *   installed as copies (see `needsInstallLinks`).
 */
export function installSource(root: string = packageRoot): InstallSource {
  const tarballs = join(root, TARBALLS_FILE);
  if (existsSync(tarballs)) {
    const specs = JSON.parse(readFileSync(tarballs, "utf8")) as InstallSource["specs"];
    return { kind: "tarballs", specs };
  }
  const runtime = join(root, "packages/runtime");
  if (existsSync(join(runtime, "package.json"))) {
    return { kind: "checkout", specs: { rpcgen: `file:${root}`, "@rpcgen/runtime": `file:${runtime}` } };
  }
  return { kind: "registry", specs: { rpcgen: `^${VERSION}`, "@rpcgen/runtime": `^${VERSION}` } };
}

/**
 * A spec as the project's package.json should hold it: `file:` paths relative to the project
 * folder, as `npm install <path>` writes them.
 */
export function specFor(spec: string, projectDir: string): string {
  if (!spec.startsWith("file:")) return spec;
  const path = relative(projectDir, spec.slice("file:".length)) || ".";
  return `file:${path.startsWith(".") ? path : `./${path}`}`;
}

/**
 * A checkout's folders must be installed as copies, not symbolic links: through a link the
 * runtime would load the checkout's own @grpc/grpc-js and @bufbuild/protobuf instead of the
 * project's, two copies of each in one process. `install-links=true` in the project's
 * .npmrc tells npm to pack such folders and install them like tarballs.
 */
export function needsInstallLinks(source: InstallSource): boolean {
  return source.kind === "checkout";
}
