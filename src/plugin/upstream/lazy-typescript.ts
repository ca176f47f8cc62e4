// Stands in for `typescript` where @bufbuild/protoplugin imports it (see typescript-hook.ts): the
// real module, whose URL the hook passes in the query, is loaded on the first property read, which
// happens only when a plugin transpiles (target=js or target=dts).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const target = new URL(import.meta.url).searchParams.get("target");
if (target === null) throw new Error("lazy-typescript: imported without a target");
let ts: Record<PropertyKey, unknown> | undefined;
const load = () => {
  ts ??= createRequire(import.meta.url)(fileURLToPath(target)) as Record<PropertyKey, unknown>;
  return ts;
};

export default new Proxy(
  {},
  {
    get: (_, key) => load()[key],
    has: (_, key) => key in load(),
  },
);
