import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { GenerateError } from "./names.js";
import { createPlugin } from "./plugin.js";

const { name, version } = createPlugin();

/**
 * Runs the plugin as protoc and buf call it: a CodeGeneratorRequest on stdin, a
 * CodeGeneratorResponse on stdout. Following plugin.proto, a problem with the input (a bad
 * option, a proto we cannot generate for) goes into `response.error`, which protoc prints
 * before failing; only I/O failures and bugs go to stderr with exit code 1.
 */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-v") {
    process.stdout.write(`${name} ${version}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`${name}: expects a CodeGeneratorRequest on stdin (run it through protoc or buf)\n`);
    return 1;
  }
  let request: ReturnType<typeof fromBinary<typeof CodeGeneratorRequestSchema>>;
  try {
    request = fromBinary(CodeGeneratorRequestSchema, await readAll(process.stdin));
  } catch (err) {
    process.stderr.write(`${name}: cannot read the CodeGeneratorRequest: ${String(err)}\n`);
    return 1;
  }
  const response = runPlugin(request);
  await writeAll(toBinary(CodeGeneratorResponseSchema, response));
  return 0;
}

type Plugin = ReturnType<typeof createPlugin>;

/** Runs the plugin once, with input errors turned into `response.error`; bugs still throw. */
export function runPlugin(request: Parameters<Plugin["run"]>[0]): ReturnType<Plugin["run"]> {
  try {
    return createPlugin().run(request);
  } catch (err) {
    if (isInputError(err)) return create(CodeGeneratorResponseSchema, { error: err.message });
    throw err;
  }
}

function isInputError(err: unknown): err is Error {
  if (err instanceof GenerateError) return true;
  if (!(err instanceof Error)) return false;
  // protoplugin's own input errors: bad options, and editions outside what it supports.
  return err.name === "PluginOptionError" || /\.proto: unsupported edition/.test(err.message);
}

function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

// A large response must be flushed before exiting, or a piped stdout truncates it.
function writeAll(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
}
