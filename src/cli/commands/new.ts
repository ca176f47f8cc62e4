import { existsSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { installSource } from "../install-source.js";
import { detectPackageManager, type PackageManager, runScript } from "../package-manager.js";
import { step } from "../progress.js";
import { checkProjectName, defaultDirectory } from "../project-name.js";
import { askOverwrite, askProjectName, askTemplate, canPrompt } from "../prompts.js";
import { runCommand } from "../run-command.js";
import { checkInsideTarget, findCollisions, writePlan } from "../scaffold.js";
import { defaultTemplate, listTemplates, type NextStep, nextSteps, renderTemplate } from "../template.js";
import { UserError } from "../user-error.js";

export interface NewOptions {
  name?: string | undefined;
  template?: string | undefined;
  dir?: string | undefined;
  pm?: PackageManager | undefined;
  install: boolean;
  force: boolean;
  dryRun: boolean;
  yes: boolean;
}

/** `rpcgen new`: a runnable project from a template, in a new or existing folder. */
export async function newProject(options: NewOptions): Promise<void> {
  const interactive = canPrompt() && !options.yes;
  const name = options.name ?? (interactive ? await askProjectName() : undefined);
  if (name === undefined) throw new UserError("missing project name: rpcgen new <name>");
  checkProjectName(name);
  const template = options.template ?? (interactive ? await askTemplate(listTemplates()) : defaultTemplate);
  const target = resolve(options.dir ?? defaultDirectory(name));
  if (existsSync(target) && !statSync(target).isDirectory())
    throw new UserError(`${target} exists and is not a folder`);
  const pm = options.pm ?? detectPackageManager();

  const plan = renderTemplate(template, name, installSource(), target);
  checkInsideTarget(target, plan);
  const collisions = findCollisions(target, plan);
  let overwrite = new Set<string>();
  if (collisions.length > 0) {
    if (options.force || options.dryRun || (interactive && (await askOverwrite(target, collisions)))) {
      overwrite = new Set(collisions);
    } else {
      throw new UserError(
        `${target} already has ${describeList(collisions)}; nothing was written (--force overwrites these files only)`,
      );
    }
  }

  if (options.dryRun) {
    process.stdout.write(`would write ${plan.length} files to ${target} (template ${template}):\n`);
    for (const file of plan) {
      const exists = overwrite.has(file.path) ? (options.force ? " (overwrite)" : " (exists: needs --force)") : "";
      process.stdout.write(`  ${file.path}${exists}\n`);
    }
    return;
  }

  await step(`Writing ${plan.length} files of the ${template} template to ${target}`, () =>
    writePlan(target, plan, overwrite),
  );
  if (options.install) {
    await step(`Installing dependencies with ${pm}`, () => install(pm, target));
  }
  printNextSteps(target, pm, options.install, nextSteps(template));
}

/** `<pm> install` in the new project; every failure is the user's to fix, and the files stay. */
async function install(pm: PackageManager, target: string): Promise<void> {
  const { code, output } = await runCommand(pm, ["install"], { cwd: target }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
    throw new UserError(
      `${pm} is not installed (not found on PATH); the project files are in place in ${target}: install ${pm} and run \`${pm} install\` there, or pass --pm npm`,
    );
  });
  if (code !== 0) {
    throw new UserError(`${pm} install failed (exit code ${code}) in ${target}; the project files are in place`, {
      detail: output.split("\n").slice(-20).join("\n"),
    });
  }
}

function printNextSteps(target: string, pm: PackageManager, installed: boolean, next: NextStep[]): void {
  const dir = relative(process.cwd(), target);
  const steps: [string, string][] = [];
  if (dir !== "") steps.push([`cd ${dir.includes(" ") ? JSON.stringify(dir) : dir}`, ""]);
  if (!installed) steps.push([`${pm} install`, ""]);
  for (const step of next) {
    // npm needs `--` before a script's own arguments; pnpm and yarn pass them on as they are.
    const args = step.args ? `${pm === "npm" ? " --" : ""} ${step.args}` : "";
    steps.push([`${runScript(pm, step.run)}${args}`, step.note ?? ""]);
  }
  const width = Math.max(...steps.map(([command]) => command.length));
  const lines = steps.map(([command, note]) => (note ? `  ${command.padEnd(width)}  # ${note}` : `  ${command}`));
  process.stdout.write(["", "Done. Next:", ...lines, ""].join("\n"));
}

/** "a, b and 3 more": keeps a collision list on one line. */
function describeList(files: string[]): string {
  const shown = files.slice(0, 8).join(", ");
  return files.length > 8 ? `${shown} and ${files.length - 8} more` : shown;
}
