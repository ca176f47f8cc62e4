// buf curl, from the @bufbuild/buf devDependency, and the schema it reads for the EchoService:
// a descriptor set protoc writes (the test servers register no reflection service, and
// buf curl's reflection would put every call on HTTP/2).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(import.meta.dirname, "../..");

/** The buf binary the npm package installs. */
export const BUF = join(root, "node_modules/.bin/buf");

/** Writes `fixtures/echo.proto` and its imports as a descriptor set into `dir`; returns its path. */
export async function echoSchema(dir: string): Promise<string> {
  const out = join(dir, "echo.binpb");
  await promisify(execFile)("protoc", [
    "-I",
    join(root, "proto"),
    "-I",
    "/usr/include",
    "--include_imports",
    `--descriptor_set_out=${out}`,
    "fixtures/echo.proto",
  ]);
  return out;
}
