/** rpcgen's version, as in package.json (a test keeps the two equal): named in generated headers and `--version`. */
export const VERSION = "0.1.0";
