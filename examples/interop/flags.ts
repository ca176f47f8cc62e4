// Command-line flags in the style of the gRPC interop programs: --name=value or --name value;
// a bare boolean flag (--use_tls) means true. Unknown flags are an error, never ignored.

export type Flags<K extends string> = Record<K, string>;

/** Parses `argv` against `defaults`; throws a one-line error for an unknown or valueless flag. */
export function parseFlags<K extends string>(
  argv: readonly string[],
  defaults: Flags<K>,
  booleans: readonly NoInfer<K>[] = [],
): Flags<K> {
  const out: Flags<K> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z_]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument "${arg}"`);
    const name = m[1] as K;
    if (!(name in defaults))
      throw new Error(
        `unknown flag --${name} (known: ${Object.keys(defaults)
          .map((k) => `--${k}`)
          .join(", ")})`,
      );
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (booleans.includes(name) && (next === undefined || next.startsWith("--"))) value = "true";
      else if (next === undefined) throw new Error(`flag --${name} needs a value`);
      else value = argv[++i] as string;
    }
    out[name] = value;
  }
  return out;
}

/** `true`/`false` (and 1/0) for a boolean flag; a one-line error otherwise. */
export function boolFlag(name: string, value: string): boolean {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new Error(`flag --${name} must be true or false, got "${value}"`);
}

/** A TCP port 0..65535; a one-line error otherwise. */
export function portFlag(name: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`flag --${name} must be a port number, got "${value}"`);
  return port;
}
