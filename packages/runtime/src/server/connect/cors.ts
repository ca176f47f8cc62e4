import type { IncomingHttpHeaders } from "node:http";

/** Which pages on other origins may call the service from a browser. */
export interface CorsOptions {
  /** Exact origins (`"https://app.example.com"`), `"*"` for any, or a predicate. */
  origins: readonly string[] | "*" | ((origin: string) => boolean);
  /**
   * More response headers a page may read. Connect's own, and every header and `trailer-`
   * header a response carries (the handler's metadata), are exposed without being listed.
   */
  exposeHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer. Default 7200 s (Chromium's cap). */
  maxAgeSeconds?: number;
  /** Allow cookies and HTTP auth (`credentials: "include"`). Default false. */
  credentials?: boolean;
}

/** What a browser must be allowed to send and read for Connect calls (connect-es's list). */
const CONNECT_REQUEST_HEADERS = ["content-type", "connect-protocol-version", "connect-timeout-ms", "x-user-agent"];
const CONNECT_RESPONSE_HEADERS = ["grpc-status", "grpc-message", "grpc-status-details-bin"];

type Headers = Record<string, string | string[]>;

/** Decides the CORS headers of one request; `preflight` says whether to answer it right away. */
export function corsHeaders(
  options: CorsOptions,
  request: IncomingHttpHeaders,
  method: string | undefined,
): { headers: Headers; preflight: boolean; allowed: boolean } {
  const origin = request.origin;
  const preflight = method === "OPTIONS" && request["access-control-request-method"] !== undefined;
  if (origin === undefined || !allows(options.origins, origin)) return { headers: {}, preflight, allowed: false };
  const headers: Headers = { "access-control-allow-origin": origin, vary: "Origin" };
  if (options.credentials === true) headers["access-control-allow-credentials"] = "true";
  if (preflight) {
    headers["access-control-allow-methods"] = "POST, GET";
    // The headers the page asks for: its own metadata as well as Connect's.
    const asked = request["access-control-request-headers"];
    headers["access-control-allow-headers"] = asked ?? CONNECT_REQUEST_HEADERS.join(", ");
    headers["access-control-max-age"] = String(options.maxAgeSeconds ?? 7200);
    headers.vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
  } else {
    headers["access-control-expose-headers"] = [...CONNECT_RESPONSE_HEADERS, ...(options.exposeHeaders ?? [])].join(
      ", ",
    );
  }
  return { headers, preflight, allowed: true };
}

function allows(origins: CorsOptions["origins"], origin: string): boolean {
  if (origins === "*") return true;
  if (typeof origins === "function") return origins(origin);
  return origins.includes(origin);
}
