import * as clack from "@clack/prompts";
import { checkProjectName } from "./project-name.js";
import type { TemplateInfo } from "./template.js";
import { UserError } from "./user-error.js";

/**
 * Questions for what the command line did not say. Only asked on a terminal: without one,
 * rpcgen never waits for input (every question has a flag).
 */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI;
}

export async function askProjectName(): Promise<string> {
  return answer(
    await clack.text({
      message: "Project name:",
      placeholder: "myservice",
      defaultValue: "myservice",
      validate: (value) => {
        try {
          checkProjectName(value || "myservice");
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    }),
  );
}

export async function askTemplate(templates: TemplateInfo[]): Promise<string> {
  return answer(
    await clack.select({
      message: "Template:",
      options: templates.map((t) => ({ value: t.name, label: t.name, hint: t.description })),
    }),
  );
}

export async function askOverwrite(target: string, files: string[]): Promise<boolean> {
  return answer(
    await clack.confirm({
      message: `${target} already has ${files.join(", ")}. Overwrite ${files.length === 1 ? "it" : "them"}?`,
      initialValue: false,
    }),
  );
}

/** clack answers Ctrl-C / Escape with a symbol: the user cancelled, which is not an error of ours. */
function answer<T>(value: T): Exclude<T, symbol> {
  if (clack.isCancel(value)) throw new UserError("cancelled");
  return value as Exclude<T, symbol>;
}
