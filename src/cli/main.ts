import yargs, { type Argv } from "yargs";
import { VERSION } from "../version.js";
import { type GenerateOptions, generate } from "./commands/generate.js";
import { type NewOptions, newProject } from "./commands/new.js";
import { type SyncOptions, sync } from "./commands/sync.js";
import { packageManagers } from "./package-manager.js";
import { parseErrorMessage } from "./parse-error.js";
import { defaultTemplate, listTemplates } from "./template.js";
import { UserError } from "./user-error.js";

/** What the commands do once parsed; tests swap these to check parsing alone. */
export interface Commands {
  newProject(options: NewOptions): Promise<void>;
  generate(options: GenerateOptions): Promise<void>;
  sync(options: SyncOptions): Promise<void>;
}

const realCommands: Commands = { newProject, generate, sync };

/** The commands `rpcgen` knows, for "did you mean". */
const commandNames = ["new", "generate", "sync"];

/** The yargs parser of `rpcgen`: strict (unknown flags and commands are errors), no process exit. */
export function createParser(argv: string[], commands: Commands = realCommands): Argv {
  return yargs(argv)
    .scriptName("rpcgen")
    .usage("$0 <command> [options]\n\nTyped gRPC for TypeScript: scaffold a project, generate code.")
    .command(
      "new [name]",
      "Create a project from a template",
      (y) =>
        y
          .positional("name", { type: "string", describe: "Project name (a valid npm package name)" })
          .option("template", {
            alias: "t",
            type: "string",
            describe: `Template: ${listTemplates()
              .map((t) => t.name)
              .join(", ")} (default ${defaultTemplate})`,
          })
          .option("dir", {
            alias: "d",
            type: "string",
            describe: "Folder to create the project in (default: the name; may exist, even .)",
          })
          .option("pm", {
            choices: packageManagers,
            describe: "Package manager to install with (default: the one running rpcgen)",
          })
          .option("install", {
            type: "boolean",
            default: true,
            describe: "Install dependencies (--no-install to skip)",
          })
          .option("force", {
            type: "boolean",
            default: false,
            describe: "Overwrite files of the template that already exist in the folder",
          })
          .option("dry-run", {
            type: "boolean",
            default: false,
            describe: "Print the files that would be written; write nothing",
          })
          .option("yes", {
            alias: "y",
            type: "boolean",
            default: false,
            describe: "Ask nothing: use defaults for what was not given",
          })
          .example("$0 new myservice", "greeter project in ./myservice, dependencies installed")
          .example("$0 new chat-app --template chat --pm pnpm", "another template, installed with pnpm")
          .example("$0 new myservice --dir . --dry-run", "list what would be written into the current folder"),
      (args) =>
        commands.newProject({
          name: args.name,
          template: args.template,
          dir: args.dir,
          pm: args.pm,
          install: args.install,
          force: args.force,
          dryRun: args["dry-run"],
          yes: args.yes,
        }),
    )
    .command(
      "generate",
      "Regenerate code from proto/ with buf generate (buf.gen.yaml), then sync implementation classes",
      (y) =>
        y
          .option("dir", { alias: "d", type: "string", describe: "Project folder (default: the current folder)" })
          .option("sync", {
            type: "boolean",
            default: true,
            describe: "Run rpcgen sync afterwards (--no-sync to skip)",
          })
          .option("check", {
            type: "boolean",
            default: false,
            describe: "Write nothing; exit 1, listing the files, if generated code or classes are out of date (CI)",
          })
          .example("$0 generate", "write src/gen/**/*_pb.ts and *_rpc.ts from proto/, add stubs for new rpcs")
          .example("$0 generate --check", "fail when a proto changed without regenerating (CI)"),
      (args) => commands.generate({ dir: args.dir, sync: args.sync, check: args.check }),
    )
    .command(
      "sync",
      "Give every service an implementation class and stubs for new rpcs; never deletes user code",
      (y) =>
        y
          .option("dir", { alias: "d", type: "string", describe: "Project folder (default: the current folder)" })
          .option("check", { type: "boolean", default: false, describe: "Write nothing; exit 1 if out of sync (CI)" })
          .option("dry-run", { type: "boolean", default: false, describe: "Write nothing; print the edits as a diff" })
          .example("$0 sync --check", "fail when an rpc has no method yet")
          .example("$0 sync --dry-run", "show the stubs sync would add"),
      (args) => commands.sync({ dir: args.dir, check: args.check, dryRun: args["dry-run"] }),
    )
    .option("verbose", { type: "boolean", default: false, describe: "Show stack traces of internal errors" })
    .demandCommand(1, "name a command: rpcgen new <name>, rpcgen generate or rpcgen sync")
    .strict()
    .version(VERSION)
    .alias("version", "v")
    .help()
    .alias("help", "h")
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .exitProcess(false)
    .fail((message, error) => {
      // Parse errors (unknown flag, missing command) are the user's; errors from handlers pass through.
      throw error ?? new UserError(parseErrorMessage(message, argv, commandNames));
    });
}

/** Runs the CLI; returns the exit code: 0, 1 for user errors, 2 for internal errors. */
export async function main(argv: string[], commands: Commands = realCommands): Promise<number> {
  const verbose = argv.includes("--verbose");
  try {
    await createParser(argv, commands).parseAsync();
    return 0;
  } catch (err) {
    if (err instanceof UserError) {
      const detail = err.detail?.trimEnd() ?? "";
      if (detail !== "") process.stderr.write(`${detail}\n`);
      process.stderr.write(`rpcgen: ${err.message}\n`);
      return 1;
    }
    const detail = verbose && err instanceof Error ? `\n${err.stack}` : " (run with --verbose for the stack trace)";
    process.stderr.write(`rpcgen: internal error: ${err instanceof Error ? err.message : String(err)}${detail}\n`);
    return 2;
  }
}
