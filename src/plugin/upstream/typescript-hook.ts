// A module resolve hook for the plugin's bin (module.registerHooks, or module.register before
// Node 22.15): @bufbuild/protoplugin 2.17 imports TypeScript at start-up, about 0.65 s of every
// plugin run, but uses it only to transpile for target=js and target=dts. protoplugin's import is
// sent to a stand-in that loads the same TypeScript on first use, so a target=ts run never pays
// for it. test/plugin/upstream.test.ts fails when protoplugin stops loading TypeScript eagerly.
type Resolved = { url: string; format?: string | null | undefined; shortCircuit?: boolean | undefined };
type Context = { parentURL?: string | undefined; conditions?: readonly string[] | undefined };

/**
 * protoplugin's `typescript` import, sent to the stand-in; every other resolution as it was.
 * Only `import`: a `require` resolved from protoplugin's folder is transpile.ts loading the
 * real compiler (registerHooks sees requires too).
 */
function redirect(specifier: string, context: Context, resolved: Resolved): Resolved {
  if (specifier !== "typescript" || !context.parentURL?.includes("/@bufbuild/protoplugin/")) return resolved;
  if (context.conditions?.includes("require")) return resolved;
  const stand = new URL("./lazy-typescript.js", import.meta.url);
  stand.searchParams.set("target", resolved.url);
  return { url: stand.href, format: "module", shortCircuit: true };
}

/** For module.register (a loader thread; `next` is asynchronous). */
export async function resolve(
  specifier: string,
  context: Context,
  next: (specifier: string, context: Context) => Promise<Resolved>,
): Promise<Resolved> {
  return redirect(specifier, context, await next(specifier, context));
}

/** For module.registerHooks (this thread; `next` is synchronous). */
export function resolveSync(
  specifier: string,
  context: Context,
  next: (specifier: string, context?: Context) => Resolved,
): Resolved {
  return redirect(specifier, context, next(specifier, context));
}
