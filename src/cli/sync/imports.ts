import { dirname, relative, resolve } from "node:path";
import { type Node, type SourceFile, SyntaxKind } from "ts-morph";

/**
 * Makes `name`, exported by `specifier` as `from` imports it, importable in `to`: reuses an
 * existing import (and its local name), adds the name to an import of the same module, or
 * adds one import declaration after the others. Returns the local name to use in `to`.
 */
export function ensureImport(
  to: SourceFile,
  from: SourceFile,
  specifier: string,
  name: string,
  typeOnly: boolean,
): string {
  const target = moduleSpecifierFor(to, from, specifier);
  const declarations = to.getImportDeclarations().filter((d) => sameModule(to, d.getModuleSpecifierValue(), target));
  for (const decl of declarations) {
    const found = decl.getNamedImports().find((n) => n.getName() === name);
    if (found && (typeOnly || (!decl.isTypeOnly() && !found.isTypeOnly()))) {
      return found.getAliasNode()?.getText() ?? name;
    }
  }
  // A type joins any import of the module (`import type {...}` included); a value needs a value import.
  const open = declarations.find((d) => (typeOnly || !d.isTypeOnly()) && d.getNamespaceImport() === undefined);
  if (open) {
    open.addNamedImport(typeOnly && !open.isTypeOnly() ? { name, isTypeOnly: true } : { name });
  } else {
    to.addImportDeclaration({ moduleSpecifier: target, namedImports: [name], isTypeOnly: typeOnly });
  }
  return name;
}

/**
 * The text of a type from the generated file, rewritten for `to`: every name the generated
 * file imports is imported into `to` as well (under the local name `to` uses for it).
 */
export function copyType(node: Node, from: SourceFile, to: SourceFile): string {
  const start = node.getStart();
  let text = node.getText();
  const identifiers = node.getDescendantsOfKind(SyntaxKind.Identifier);
  if (node.getKind() === SyntaxKind.Identifier) identifiers.push(node as never);
  // Right to left, so earlier positions stay valid while replacing.
  for (const id of identifiers.sort((a, b) => b.getStart() - a.getStart())) {
    const source = importOf(from, id.getText());
    if (source === undefined) continue;
    const local = ensureImport(to, from, source.specifier, source.name, true);
    if (local === id.getText()) continue;
    const at = id.getStart() - start;
    text = text.slice(0, at) + local + text.slice(at + id.getText().length);
  }
  return text;
}

/** Where `file` imports the local name `local` from: its module and exported name. */
function importOf(file: SourceFile, local: string): { specifier: string; name: string } | undefined {
  for (const decl of file.getImportDeclarations()) {
    for (const named of decl.getNamedImports()) {
      if ((named.getAliasNode()?.getText() ?? named.getName()) === local) {
        return { specifier: decl.getModuleSpecifierValue(), name: named.getName() };
      }
    }
  }
  return undefined;
}

/** A module specifier of `from` as `to` must write it: relative paths re-based, packages kept. */
function moduleSpecifierFor(to: SourceFile, from: SourceFile, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  const absolute = resolve(dirname(from.getFilePath()), specifier);
  const rel = relative(dirname(to.getFilePath()), absolute).split("\\").join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

function sameModule(file: SourceFile, a: string, b: string): boolean {
  if (!a.startsWith(".") || !b.startsWith(".")) return a === b;
  const dir = dirname(file.getFilePath());
  return resolve(dir, a) === resolve(dir, b);
}
