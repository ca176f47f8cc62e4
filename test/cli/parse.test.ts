// Parse-only tests: the yargs definition of each command, with the commands replaced by a recorder.
import { describe, expect, test, vi } from "vitest";
import type { NewOptions } from "../../src/cli/commands/new.js";
import { createParser, main } from "../../src/cli/main.js";
import { UserError } from "../../src/cli/user-error.js";

async function parse(argv: string[]) {
  const calls: { command: string; options: unknown }[] = [];
  await createParser(argv, {
    newProject: async (options: NewOptions) => void calls.push({ command: "new", options }),
    generate: async (options) => void calls.push({ command: "generate", options }),
    sync: async (options) => void calls.push({ command: "sync", options }),
  }).parseAsync();
  return calls;
}

describe("rpcgen new", () => {
  test("defaults", async () => {
    expect(await parse(["new", "myservice"])).toEqual([
      {
        command: "new",
        options: {
          name: "myservice",
          template: undefined,
          dir: undefined,
          pm: undefined,
          install: true,
          force: false,
          dryRun: false,
          yes: false,
        },
      },
    ]);
  });

  test("every flag", async () => {
    const [call] = await parse([
      "new",
      "svc",
      "--template",
      "greeter",
      "--dir",
      ".",
      "--pm",
      "pnpm",
      "--no-install",
      "--force",
      "--dry-run",
      "--yes",
    ]);
    expect(call?.options).toEqual({
      name: "svc",
      template: "greeter",
      dir: ".",
      pm: "pnpm",
      install: false,
      force: true,
      dryRun: true,
      yes: true,
    });
  });

  test("short aliases", async () => {
    const [call] = await parse(["new", "svc", "-t", "chat", "-d", "out", "-y"]);
    expect(call?.options).toMatchObject({ template: "chat", dir: "out", yes: true });
  });

  test("the name may be left to the prompt", async () => {
    const [call] = await parse(["new"]);
    expect(call?.options).toMatchObject({ name: undefined });
  });

  test("an unknown package manager is a user error in one line", async () => {
    await expect(parse(["new", "svc", "--pm", "bun"])).rejects.toThrow(
      new UserError('--pm "bun" is not one of "npm", "pnpm", "yarn" (see rpcgen --help)'),
    );
  });

  test("an unknown flag is a user error", async () => {
    await expect(parse(["new", "svc", "--frobnicate"])).rejects.toThrow("Unknown argument: frobnicate");
  });
});

describe("rpcgen generate", () => {
  test("defaults to the current folder", async () => {
    expect(await parse(["generate"])).toEqual([
      { command: "generate", options: { dir: undefined, sync: true, check: false } },
    ]);
  });

  test("--dir", async () => {
    expect(await parse(["generate", "--dir", "p", "--no-sync"])).toEqual([
      { command: "generate", options: { dir: "p", sync: false, check: false } },
    ]);
  });

  test("--check", async () => {
    expect(await parse(["generate", "--check"])).toEqual([
      { command: "generate", options: { dir: undefined, sync: true, check: true } },
    ]);
  });
});

describe("rpcgen sync", () => {
  test("defaults", async () => {
    expect(await parse(["sync"])).toEqual([
      { command: "sync", options: { dir: undefined, check: false, dryRun: false } },
    ]);
  });

  test("--check, --dry-run, --dir", async () => {
    expect(await parse(["sync", "--check", "--dry-run", "-d", "p"])).toEqual([
      { command: "sync", options: { dir: "p", check: true, dryRun: true } },
    ]);
  });
});

test("no command is a user error", async () => {
  await expect(parse([])).rejects.toThrow(UserError);
});

test("an unknown command is a user error naming it and the nearest command", async () => {
  await expect(parse(["nwe", "x"])).rejects.toThrow(new UserError('Unknown command "nwe". Did you mean "new"?'));
  await expect(parse(["genrate"])).rejects.toThrow(
    new UserError('Unknown command "genrate". Did you mean "generate"?'),
  );
  await expect(parse(["snyc", "--check"])).rejects.toThrow(
    new UserError('Unknown command "snyc". Did you mean "sync"?'),
  );
  await expect(parse(["frob"])).rejects.toThrow(
    new UserError('Unknown command "frob". Commands: new, generate, sync.'),
  );
});

describe("exit codes", () => {
  const failing = (err: Error) => ({
    newProject: async () => Promise.reject(err),
    generate: async () => {},
    sync: async () => {},
  });

  async function exit(argv: string[], err: Error) {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const code = await main(argv, failing(err));
      return { code, stderr: stderr.mock.calls.map((c) => String(c[0])).join("") };
    } finally {
      stderr.mockRestore();
    }
  }

  test("a user error is one line and exit code 1", async () => {
    expect(await exit(["new", "x"], new UserError("bad name"))).toEqual({ code: 1, stderr: "rpcgen: bad name\n" });
  });

  test("an internal error is exit code 2, its stack only with --verbose", async () => {
    const quiet = await exit(["new", "x"], new Error("boom"));
    expect(quiet).toEqual({
      code: 2,
      stderr: "rpcgen: internal error: boom (run with --verbose for the stack trace)\n",
    });
    const verbose = await exit(["new", "x", "--verbose"], new Error("boom"));
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/^rpcgen: internal error: boom\nError: boom\n {4}at /);
  });
});
