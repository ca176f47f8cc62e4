/** The package managers a scaffolded project can be installed with. */
export const packageManagers = ["npm", "pnpm", "yarn"] as const;
export type PackageManager = (typeof packageManagers)[number];

/**
 * The package manager that ran us (`npx`, `pnpm dlx`, `yarn dlx` all set
 * npm_config_user_agent, e.g. "pnpm/9.1.0 npm/? node/v20..."), npm when unknown.
 */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent): PackageManager {
  const name = userAgent?.split(" ")[0]?.split("/")[0];
  return packageManagers.find((pm) => pm === name) ?? "npm";
}

/** `npm start`, `npm run client`, `pnpm client`, `yarn client`: how to run a package script. */
export function runScript(pm: PackageManager, script: string): string {
  if (pm !== "npm") return `${pm} ${script}`;
  return script === "start" || script === "test" ? `npm ${script}` : `npm run ${script}`;
}
