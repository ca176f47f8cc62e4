import { type ClassDeclaration, type Node, type SourceFile, SyntaxKind } from "ts-morph";
import type { ServiceApi } from "./service-api.js";

/** A user class serving a service, and how it is tied to the generated code. */
export interface Implementation {
  cls: ClassDeclaration;
  /** `extends UnimplementedXServer` (stubs are overrides) or `implements XServer`. */
  via: "extends" | "implements";
}

/**
 * The user's classes that implement a service, found by what they extend or implement
 * (through any import alias), never by file or class name, so moved and renamed classes
 * are still found.
 */
export function findImplementations(service: ServiceApi, files: SourceFile[]): Implementation[] {
  const found: Implementation[] = [];
  for (const file of files) {
    for (const cls of file.getDescendantsOfKind(SyntaxKind.ClassDeclaration)) {
      const base = cls.getExtends()?.getExpression();
      if (base && refersTo(base, service.rpcFile, service.unimplementedClass)) {
        found.push({ cls, via: "extends" });
      } else if (
        cls.getImplements().some((i) => refersTo(i.getExpression(), service.rpcFile, service.serverInterface))
      ) {
        found.push({ cls, via: "implements" });
      }
    }
  }
  return found;
}

/** Whether an expression names the declaration `name` of `file`, directly or through imports. */
function refersTo(expression: Node, file: SourceFile, name: string): boolean {
  let symbol = expression.getSymbol();
  if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
  if (symbol === undefined) return false;
  return symbol.getName() === name && symbol.getDeclarations().some((d) => d.getSourceFile() === file);
}
