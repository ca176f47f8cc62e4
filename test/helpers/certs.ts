import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface KeyPair {
  cert: string;
  key: string;
}

/**
 * Test certificates made with the `openssl` command in a temporary folder: a CA, a server
 * certificate for 127.0.0.1 and localhost, a client certificate from the same CA, and a client
 * certificate from another ("rogue") CA. EC P-256 keys, so this takes milliseconds.
 */
export async function makeTestCerts(): Promise<{
  ca: string;
  server: KeyPair;
  client: KeyPair;
  rogueClient: KeyPair;
}> {
  const dir = await mkdtemp(join(tmpdir(), "rpcgen-certs-"));
  const p = (name: string) => join(dir, name);
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    const selfSigned = (name: string, cn: string) =>
      run("openssl", [
        "req",
        "-x509",
        ...newKey,
        "-keyout",
        p(`${name}.key`),
        "-out",
        p(`${name}.pem`),
        "-days",
        "2",
        "-subj",
        `/CN=${cn}`,
      ]);
    const signed = async (name: string, cn: string, ca: string, ext: string) => {
      await run("openssl", [
        "req",
        "-new",
        ...newKey,
        "-keyout",
        p(`${name}.key`),
        "-out",
        p(`${name}.csr`),
        "-subj",
        `/CN=${cn}`,
      ]);
      await writeFile(p(`${name}.ext`), ext);
      await run("openssl", [
        "x509",
        "-req",
        "-in",
        p(`${name}.csr`),
        "-CA",
        p(`${ca}.pem`),
        "-CAkey",
        p(`${ca}.key`),
        "-CAcreateserial",
        "-out",
        p(`${name}.pem`),
        "-days",
        "2",
        "-extfile",
        p(`${name}.ext`),
      ]);
    };
    await selfSigned("ca", "rpcgen test CA");
    await selfSigned("rogue-ca", "rogue CA");
    await signed(
      "server",
      "localhost",
      "ca",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    await signed("client", "test client", "ca", "extendedKeyUsage=clientAuth\n");
    await signed("rogue-client", "rogue client", "rogue-ca", "extendedKeyUsage=clientAuth\n");
    const read = (name: string) => readFile(p(name), "utf8");
    const pair = async (name: string) => ({ cert: await read(`${name}.pem`), key: await read(`${name}.key`) });
    return {
      ca: await read("ca.pem"),
      server: await pair("server"),
      client: await pair("client"),
      rogueClient: await pair("rogue-client"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
