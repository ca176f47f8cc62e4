// `rpcgen new` as a subprocess in temp folders, without a terminal, for every rule of the
// command: names, targets, collisions, --force, --dry-run, and writing only inside the target.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { installSource } from "../../src/cli/install-source.js";
import { renderTemplate } from "../../src/cli/template.js";
import { VERSION } from "../../src/version.js";
import { cliBin, repoRoot, rpcgen, tempDirs } from "../helpers/cli.js";

const temp = tempDirs();
afterEach(() => temp.cleanup());

const planned = renderTemplate("greeter", "x", installSource(), "/x").map((f) => f.path);

/** Every file under dir, relative. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("names", () => {
  test("a project is written to a folder named after it, with name and version set", () => {
    const cwd = temp.make();
    const run = rpcgen(["new", "my-service", "--no-install"], cwd);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(files(join(cwd, "my-service"))).toEqual([...planned].sort());
    const pkg = JSON.parse(readFileSync(join(cwd, "my-service/package.json"), "utf8"));
    expect(pkg.name).toBe("my-service");
    // Run from this checkout: the checkout's folders, relative to the project, installed as copies.
    expect(pkg.devDependencies.rpcgen).toBe(`file:${relative(join(cwd, "my-service"), repoRoot)}`);
    expect(pkg.dependencies["@rpcgen/runtime"]).toBe(
      `file:${relative(join(cwd, "my-service"), join(repoRoot, "packages/runtime"))}`,
    );
    expect(readFileSync(join(cwd, "my-service/.npmrc"), "utf8")).toBe("install-links=true\n");
    expect(readFileSync(join(cwd, "my-service/README.md"), "utf8").split("\n")[0]).toBe("# my-service");
    expect(existsSync(join(cwd, "my-service/.gitignore"))).toBe(true);
    expect(existsSync(join(cwd, "my-service/_gitignore"))).toBe(false);
    expect(run.stdout).toContain("cd my-service\n  npm install\n  npm start");
  });

  test("a scoped name goes to a folder without the scope", () => {
    const cwd = temp.make();
    expect(rpcgen(["new", "@acme/greeter", "--no-install"], cwd).status).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, "greeter/package.json"), "utf8")).name).toBe("@acme/greeter");
  });

  test("an invalid name is refused in one line with a fixed suggestion", () => {
    const cwd = temp.make();
    const run = rpcgen(["new", "My Service", "--no-install"], cwd);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'rpcgen: invalid project name "My Service": name can only contain URL-friendly characters (try "my-service")\n',
    );
    expect(readdirSync(cwd)).toEqual([]);
  });

  test("a path as the name is refused: it cannot traverse out of the folder", () => {
    const cwd = temp.make();
    const run = rpcgen(["new", "../escape", "--no-install"], cwd);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^rpcgen: invalid project name "\.\.\/escape": .+\n$/);
    expect(readdirSync(join(cwd, ".."))).not.toContain("escape");
  });

  test("without a terminal and without a name it fails at once instead of waiting", () => {
    const run = rpcgen(["new", "--no-install"], temp.make());
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("rpcgen: missing project name: rpcgen new <name>\n");
  });

  test("an unknown template is refused, listing the available ones", () => {
    const run = rpcgen(["new", "svc", "--template", "nope", "--no-install"], temp.make());
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^rpcgen: unknown template "nope" \(available: greeter(, \w+)*\)\n$/);
  });
});

describe("targets and collisions", () => {
  test(". as the target: an existing folder with other files is fine", () => {
    const cwd = temp.make();
    writeFileSync(join(cwd, "NOTES.md"), "mine\n");
    const run = rpcgen(["new", "here", "--dir", ".", "--no-install"], cwd);
    expect(run.status).toBe(0);
    expect(readFileSync(join(cwd, "NOTES.md"), "utf8")).toBe("mine\n");
    expect(existsSync(join(cwd, "src/server.ts"))).toBe(true);
    expect(run.stdout).not.toContain("  cd ");
  });

  test("colliding files are listed and nothing is written", () => {
    const cwd = temp.make();
    writeFileSync(join(cwd, "package.json"), "{}\n");
    writeFileSync(join(cwd, "README.md"), "mine\n");
    const run = rpcgen(["new", "svc", "--dir", ".", "--no-install"], cwd);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `rpcgen: ${cwd} already has README.md, package.json; nothing was written (--force overwrites these files only)\n`,
    );
    expect(files(cwd)).toEqual(["README.md", "package.json"]);
  });

  test("--force overwrites the colliding files and nothing else", () => {
    const cwd = temp.make();
    writeFileSync(join(cwd, "package.json"), "{}\n");
    writeFileSync(join(cwd, "NOTES.md"), "mine\n");
    const run = rpcgen(["new", "svc", "--dir", ".", "--force", "--no-install"], cwd);
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")).name).toBe("svc");
    expect(readFileSync(join(cwd, "NOTES.md"), "utf8")).toBe("mine\n");
  });

  test("a folder where a file should go is refused even with --force", () => {
    const cwd = temp.make();
    mkdirSync(join(cwd, "README.md"));
    const run = rpcgen(["new", "svc", "--dir", ".", "--force", "--no-install"], cwd);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`rpcgen: cannot write README.md in ${cwd}: a folder or link is in the way\n`);
    expect(files(cwd)).toEqual([]);
  });

  test("a symbolic link in the target that leads outside is refused", () => {
    const cwd = temp.make();
    const outside = temp.make();
    symlinkSync(outside, join(cwd, "src"));
    const run = rpcgen(["new", "svc", "--dir", ".", "--force", "--no-install"], cwd);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^rpcgen: refusing to write src\/.+: src links outside .+\n$/);
    expect(readdirSync(outside)).toEqual([]);
  });

  test("--dry-run prints the plan and writes nothing", () => {
    const cwd = temp.make();
    writeFileSync(join(cwd, "package.json"), "{}\n");
    const run = rpcgen(["new", "svc", "--dir", ".", "--dry-run"], cwd);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`would write ${planned.length} files to ${cwd} (template greeter):\n`);
    expect(run.stdout).toContain("  package.json (exists: needs --force)\n");
    expect(rpcgen(["new", "svc", "--dir", ".", "--dry-run", "--force"], cwd).stdout).toContain(
      "  package.json (overwrite)\n",
    );
    expect(run.stdout).toContain("  src/server.ts\n");
    expect(files(cwd)).toEqual(["package.json"]);
    expect(readFileSync(join(cwd, "package.json"), "utf8")).toBe("{}\n");
  });

  test("a target that is a file is refused", () => {
    const cwd = temp.make();
    writeFileSync(join(cwd, "svc"), "");
    const run = rpcgen(["new", "svc", "--no-install"], cwd);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`rpcgen: ${join(cwd, "svc")} exists and is not a folder\n`);
  });
});

describe("the command line", () => {
  test("--help lists the commands, new --help shows examples", () => {
    const top = rpcgen(["--help"], temp.make());
    expect(top.status).toBe(0);
    expect(top.stdout).toContain("rpcgen new [name]");
    expect(top.stdout).toContain("rpcgen generate");
    const help = rpcgen(["new", "--help"], temp.make());
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("rpcgen new myservice");
    expect(help.stdout).toContain("--no-install");
  });

  test("new --help names every template of the templates folder", () => {
    const help = rpcgen(["new", "--help"], temp.make());
    expect(help.stdout.replace(/\s+/g, " ")).toContain("Template: greeter, chat, pubsub (default greeter)");
  });

  test("rpcgen nwe x: the unknown command and the nearest one, exit code 1", () => {
    const run = rpcgen(["nwe", "x"], temp.make());
    expect(run.stderr).toBe('rpcgen: Unknown command "nwe". Did you mean "new"?\n');
    expect(run.status).toBe(1);
  });

  test("--pm bun: one line, exit code 1", () => {
    const run = rpcgen(["new", "svc", "--pm", "bun"], temp.make());
    expect(run.stderr).toBe('rpcgen: --pm "bun" is not one of "npm", "pnpm", "yarn" (see rpcgen --help)\n');
    expect(run.status).toBe(1);
  });

  test("--version prints the version", () => {
    const run = rpcgen(["--version"], temp.make());
    expect(run.stdout).toBe(`${VERSION}\n`);
  });

  test("an unknown flag is one line and exit code 1", () => {
    const run = rpcgen(["new", "svc", "--bogus"], temp.make());
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("rpcgen: Unknown argument: bogus (see rpcgen --help)\n");
  });

  test("the next steps are the template's own, and template.json is not copied", () => {
    const cwd = temp.make();
    const run = rpcgen(["new", "room", "--template", "chat", "--no-install"], cwd);
    expect(run.stdout).toContain("  npm run client -- --name alice  # in another terminal\n");
    expect(existsSync(join(cwd, "room/template.json"))).toBe(false);
  });

  test("the next steps name the package manager that ran rpcgen", () => {
    const cwd = temp.make();
    const run = rpcgen(["new", "svc", "--no-install"], cwd, { npm_config_user_agent: "pnpm/9.1.0 npm/? node/v20" });
    expect(run.stdout).toContain("  pnpm install\n  pnpm start");
  });
});

describe("installing", () => {
  test("--pm pnpm without pnpm on PATH: a user error in one line, the files are in place", () => {
    const cwd = temp.make();
    const emptyPath = temp.make(); // rpcgen runs on process.execPath; nothing else is found
    const run = rpcgen(["new", "svc", "--pm", "pnpm"], cwd, { PATH: emptyPath });
    expect(run.stderr).toBe(
      `rpcgen: pnpm is not installed (not found on PATH); the project files are in place in ${join(cwd, "svc")}: install pnpm and run \`pnpm install\` there, or pass --pm npm\n`,
    );
    expect(run.status).toBe(1);
    expect(files(join(cwd, "svc"))).toEqual(planned);
  });

  // npm against a registry that refuses connections, with an empty cache: a real install failure.
  const failingNpm = (cache: string) => ({
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_cache: cache,
    npm_config_fetch_retries: "0",
    npm_config_offline: "false",
    npm_config_prefer_offline: "false",
  });

  test("a failed install: the step says failed, not done; npm's output, then one line", () => {
    const cwd = temp.make();
    const run = rpcgen(["new", "svc", "--pm", "npm"], cwd, failingNpm(temp.make()));
    expect(run.stdout).toContain("Installing dependencies with npm...\nInstalling dependencies with npm: failed\n");
    expect(run.stdout).not.toMatch(/Installing dependencies with npm: done/);
    expect(run.stderr).toMatch(/^npm error /m);
    expect(run.stderr).toMatch(
      new RegExp(
        `\nrpcgen: npm install failed \\(exit code \\d+\\) in ${join(cwd, "svc")}; the project files are in place\n$`,
      ),
    );
    expect(run.status).toBe(1);
  }, 60_000);

  test("on a terminal, npm's error text comes after the spinner's line, not on it", () => {
    const cwd = temp.make();
    // script(1) gives rpcgen a pseudo-terminal, so it draws the spinner.
    const command = ["node", cliBin, "new", "svc", "--yes", "--pm", "npm"].map((a) => `'${a}'`).join(" ");
    const run = spawnSync("script", ["-qec", command, "/dev/null"], {
      cwd,
      encoding: "utf8",
      timeout: 60_000,
      env: {
        ...process.env,
        ...failingNpm(temp.make()),
        CI: "",
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      },
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is stripped
    const screenLines = run.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split(/\r?\n|\r/);
    const npmLine = screenLines.findIndex((line) => line.includes("npm error"));
    expect(npmLine, run.stdout).toBeGreaterThan(0);
    expect(screenLines[npmLine]).toMatch(/^npm error /);
    const failedLine = screenLines.findIndex((line) => line.includes("Installing dependencies with npm: failed"));
    expect(failedLine).toBeGreaterThan(-1);
    expect(failedLine).toBeLessThan(npmLine);
    expect(run.stdout).toContain("the project files are in place");
  }, 60_000);
});

test("on a terminal it asks for the name and template that were not given", async () => {
  const cwd = temp.make();
  // `script` (util-linux) runs rpcgen on a pseudo-terminal (sized, or every character wraps);
  // answers are typed when asked.
  const child = spawn(
    "script",
    [
      "-qfec",
      `stty cols 100 rows 30; ${JSON.stringify(process.execPath)} ${JSON.stringify(cliBin)} new --no-install`,
      "/dev/null",
    ],
    {
      cwd,
      env: { ...process.env, CI: "", npm_config_user_agent: "" },
    },
  );
  let output = "";
  const answered = new Set<string>();
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes("Project name") && !answered.has("name")) {
      answered.add("name");
      child.stdin.write("tty-svc\r");
    }
    if (output.includes("Template") && !answered.has("template")) {
      answered.add("template");
      child.stdin.write("\r"); // the first choice: greeter
    }
  });
  const timer = setTimeout(() => child.kill(), 20_000);
  const code = await new Promise((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  expect([...answered]).toEqual(["name", "template"]);
  expect(code).toBe(0);
  expect(JSON.parse(readFileSync(join(cwd, "tty-svc/package.json"), "utf8")).name).toBe("tty-svc");
});
