import validate from "validate-npm-package-name";
import { UserError } from "./user-error.js";

/**
 * Checks a project name the way npm will when the project is installed or published, so a
 * scaffold never produces a package.json that npm rejects. On failure the error suggests a
 * fixed name.
 */
export function checkProjectName(name: string): void {
  const result = validate(name);
  if (result.validForNewPackages) return;
  const why = [...(result.errors ?? []), ...(result.warnings ?? [])][0] ?? "not a valid npm package name";
  const fixed = suggestProjectName(name);
  const hint = fixed !== "" && fixed !== name ? ` (try "${fixed}")` : "";
  throw new UserError(`invalid project name "${name}": ${why}${hint}`);
}

/** The closest valid npm name: lower case, runs of other characters turned into `-`. */
export function suggestProjectName(name: string): string {
  const scoped = /^@([^/]+)\/(.+)$/.exec(name);
  const clean = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._~-]+/g, "-")
      .replace(/^[._-]+/, "")
      .replace(/-+$/, "")
      .slice(0, 214);
  if (scoped) return `@${clean(scoped[1]!)}/${clean(scoped[2]!)}`;
  const fixed = clean(name);
  return validate(fixed).validForNewPackages ? fixed : "";
}

/** The folder a project goes into when `--dir` is not given: the name without its scope. */
export function defaultDirectory(name: string): string {
  return name.startsWith("@") ? name.slice(name.indexOf("/") + 1) : name;
}
