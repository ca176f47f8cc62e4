// A module resolve hook for the plugin's bin (registered with `module.register`):
// @bufbuild/protoplugin imports TypeScript at start-up, about 0.65 s of every plugin run, but uses
// it only to transpile for target=js and target=dts. protoplugin's import is sent to a stand-in
// that loads the same TypeScript on first use, so a target=ts run never pays for it.
type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type Next = (specifier: string, context: { parentURL?: string }) => Promise<Resolved>;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next): Promise<Resolved> {
  const resolved = await next(specifier, context);
  if (specifier !== "typescript" || !context.parentURL?.includes("/@bufbuild/protoplugin/")) return resolved;
  const stand = new URL("./lazy-typescript.js", import.meta.url);
  stand.searchParams.set("target", resolved.url);
  return { url: stand.href, format: "module", shortCircuit: true };
}
