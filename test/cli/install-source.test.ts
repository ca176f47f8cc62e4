// Where a scaffolded project gets rpcgen's packages, by how this rpcgen was installed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { installSource, needsInstallLinks, specFor, TARBALLS_FILE } from "../../src/cli/install-source.js";
import { VERSION } from "../../src/version.js";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
function packageRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "rpcgen-source-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test("installed from the registry: ^version ranges, and npm may link nothing", () => {
  const source = installSource(packageRoot({ "package.json": "{}" }));
  expect(source).toEqual({ kind: "registry", specs: { rpcgen: `^${VERSION}`, "@rpcgen/runtime": `^${VERSION}` } });
  expect(needsInstallLinks(source)).toBe(false);
});

test("installed from tarballs of npm run pack: the tarballs named in dist/install-source.json", () => {
  const specs = { rpcgen: "file:/packs/rpcgen-0.1.0.tgz", "@rpcgen/runtime": "file:/packs/rpcgen-runtime-0.1.0.tgz" };
  const source = installSource(packageRoot({ "package.json": "{}", [TARBALLS_FILE]: JSON.stringify(specs) }));
  expect(source).toEqual({ kind: "tarballs", specs });
  expect(needsInstallLinks(source)).toBe(false);
});

test("run from a checkout: the checkout's folders, installed as copies", () => {
  const root = packageRoot({ "package.json": "{}", "packages/runtime/package.json": "{}" });
  const source = installSource(root);
  expect(source).toEqual({
    kind: "checkout",
    specs: { rpcgen: `file:${root}`, "@rpcgen/runtime": `file:${join(root, "packages/runtime")}` },
  });
  expect(needsInstallLinks(source)).toBe(true);
});

test("file: specs are written relative to the project, as npm install <path> writes them", () => {
  expect(specFor("file:/work/packs/rpcgen-0.1.0.tgz", "/work/app")).toBe("file:../packs/rpcgen-0.1.0.tgz");
  expect(specFor("file:/work/app/vendor/x.tgz", "/work/app")).toBe("file:./vendor/x.tgz");
  expect(specFor("^0.1.0", "/work/app")).toBe("^0.1.0");
});
