import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { type InstallSource, needsInstallLinks, specFor } from "./install-source.js";
import { packageRoot } from "./package-root.js";
import { UserError } from "./user-error.js";

/** A file to write: its path relative to the project folder (always with `/`) and its bytes. */
export interface PlannedFile {
  path: string;
  content: Buffer;
}

export interface TemplateInfo {
  name: string;
  description: string;
}

/** A command the user runs after scaffolding: a package script, its arguments, what it does. */
export interface NextStep {
  run: string;
  args?: string;
  note?: string;
}

/** Where templates live: real, runnable projects, one folder each, shipped in the npm package. */
export const templatesDir = join(packageRoot, "templates");

/** The template `rpcgen new` uses when none is asked for. */
export const defaultTemplate = "greeter";

/**
 * Every folder under templates/ with a package.json is a template: adding one needs no code.
 * The default comes first, then by name.
 */
export function listTemplates(): TemplateInfo[] {
  const names = readdirSync(templatesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isFile(join(templatesDir, e.name, "package.json")))
    .map((e) => e.name)
    .sort((a, b) => Number(b === defaultTemplate) - Number(a === defaultTemplate) || a.localeCompare(b));
  return names.map((name) => ({ name, description: readPackageJson(join(templatesDir, name)).description ?? "" }));
}

/**
 * The files of a template rendered for a project in `projectDir`. Only two things change:
 * package.json gets the project's name and rpcgen's packages from where this rpcgen came
 * from (install-source.ts), and the README's title becomes the name. `_gitignore` becomes
 * `.gitignore` (npm pack drops files named .gitignore); a project scaffolded from a checkout
 * also gets an `.npmrc` that installs the checkout's folders as copies.
 */
export function renderTemplate(
  template: string,
  projectName: string,
  source: InstallSource,
  projectDir: string,
): PlannedFile[] {
  const known = listTemplates().map((t) => t.name);
  if (!known.includes(template)) {
    throw new UserError(`unknown template "${template}" (available: ${known.join(", ")})`);
  }
  const root = join(templatesDir, template);
  const files: PlannedFile[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = join(entry.parentPath, entry.name);
    const path = relative(root, source).split(sep).join("/");
    // A developer may have installed or built a template in place; none of that is template.
    // template.json describes the template to rpcgen and is not part of the project.
    if (/(^|\/)(node_modules|dist)\//.test(path) || path === "package-lock.json" || path === "template.json") continue;
    files.push({ path: path.replace(/(^|\/)_gitignore$/, "$1.gitignore"), content: readFileSync(source) });
  }
  if (needsInstallLinks(source)) files.push({ path: ".npmrc", content: Buffer.from("install-links=true\n") });
  for (const file of files) {
    if (file.path === "package.json") file.content = renderPackageJson(file.content, projectName, source, projectDir);
    if (file.path === "README.md")
      file.content = Buffer.from(file.content.toString("utf8").replace(/^# .*/, `# ${projectName}`));
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)); // by code point: locale-free
}

/** The template's next steps (its template.json), or start and test. */
export function nextSteps(template: string): NextStep[] {
  const path = join(templatesDir, template, "template.json");
  if (!isFile(path)) return [{ run: "start" }, { run: "test" }];
  return (JSON.parse(readFileSync(path, "utf8")) as { next: NextStep[] }).next;
}

function renderPackageJson(content: Buffer, name: string, source: InstallSource, projectDir: string): Buffer {
  const pkg = JSON.parse(content.toString("utf8")) as PackageJson;
  pkg.name = name;
  for (const deps of [pkg.dependencies, pkg.devDependencies]) {
    for (const dep of ["rpcgen", "@rpcgen/runtime"] as const) {
      if (deps?.[dep] !== undefined) deps[dep] = specFor(source.specs[dep], projectDir);
    }
  }
  return Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`);
}

interface PackageJson {
  name?: string;
  description?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
