import { IndentationText, type Project, QuoteKind, type SourceFile } from "ts-morph";

/** What new code must look like to blend into a file. */
export interface FileStyle {
  quote: "'" | '"';
  semicolons: boolean;
}

/**
 * Makes ts-morph write new code in the file's own style: its indentation (from the first
 * indented line) and quotes (from its first import); returns what ts-morph cannot set itself.
 */
export function adoptFileStyle(project: Project, file: SourceFile): FileStyle {
  const text = file.getFullText();
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  const indentationText = indent.startsWith("\t")
    ? IndentationText.Tab
    : indent.length >= 8
      ? IndentationText.EightSpaces
      : indent.length >= 4
        ? IndentationText.FourSpaces
        : IndentationText.TwoSpaces;
  const firstImport = file.getImportDeclarations()[0];
  const quote = firstImport?.getModuleSpecifier().getText().startsWith("'") ? "'" : '"';
  project.manipulationSettings.set({
    indentationText,
    quoteKind: quote === "'" ? QuoteKind.Single : QuoteKind.Double,
  });
  return { quote, semicolons: firstImport === undefined || firstImport.getText().endsWith(";") };
}

/** Drops the semicolon ts-morph puts after import declarations it added to a file without them. */
export function matchImportSemicolons(file: SourceFile, style: FileStyle, originalText: string): void {
  if (style.semicolons) return;
  for (const decl of file.getImportDeclarations()) {
    const text = decl.getText();
    if (text.endsWith(";") && !originalText.includes(text)) decl.replaceWithText(text.slice(0, -1));
  }
}
