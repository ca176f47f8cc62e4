import { RpcError } from "@rpcgen/runtime";

/**
 * A failed call as one short line for people: `UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:50051`.
 * grpc-js words a call that found no connection as "No connection established. Last error:
 * Error: … Resolution note: …", repeating "Last error" per address: only the last error's own
 * text is kept.
 */
export function statusText(err: unknown): string {
  if (!(err instanceof RpcError)) return err instanceof Error ? err.message : String(err);
  return `${err.codeName}: ${cleanMessage(err.message)}`;
}

function cleanMessage(message: string): string {
  const parts = message.split("Last error:");
  if (parts.length < 2) return message;
  const last = parts[parts.length - 1]!.replace(/\.?\s*Resolution note:.*$/s, "")
    .replace(/^\s*(?:Error:\s*)?/, "")
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/g, "")
    .replace(/\.\s*$/, "")
    .trim();
  return last === "" ? message : last;
}
