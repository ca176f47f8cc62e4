import * as grpc from "@grpc/grpc-js";
import { withCallMiddleware } from "../server/call-middleware.js";
import { Code } from "./rpc-error.js";

/** A token, or a function that returns the current one (called per call, so it may refresh). */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * A client interceptor that adds `authorization: Bearer <token>` to every call.
 *
 * ```ts
 * const client = new GreeterClient(addr, creds, { interceptors: [bearerToken(() => tokens.current())] });
 * ```
 * A token function that throws fails the call with UNAUTHENTICATED before anything is sent.
 */
export function bearerToken(token: TokenSource): grpc.Interceptor {
  return (options, nextCall) => {
    const call: grpc.InterceptingCall = new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        Promise.resolve()
          .then(() => (typeof token === "string" ? token : token()))
          .then(
            (value) => {
              metadata.set("authorization", `Bearer ${value}`);
              next(metadata, listener);
            },
            (err: unknown) => {
              // Started without the token, then cancelled at once: the listener gets the status.
              next(metadata, listener);
              const reason = err instanceof Error ? err.message : String(err);
              call.cancelWithStatus(Code.UNAUTHENTICATED, `could not get a token: ${reason}`);
            },
          );
      },
    });
    return call;
  };
}

/** What a token check sees. */
export interface TokenCheck {
  readonly token: string;
  /** The full method name, e.g. `/helloworld.Greeter/SayHello`. */
  readonly method: string;
  readonly metadata: grpc.Metadata;
}

export interface BearerAuthOptions {
  /** Methods that need no token, e.g. `(m) => m.startsWith("/grpc.health.v1.Health/")`. */
  skip?: (method: string) => boolean;
}

/**
 * A server interceptor that answers UNAUTHENTICATED, before any handler runs, to a call whose
 * `authorization` header is missing, is not `Bearer <token>`, or whose token `verify` rejects
 * (returns false, or throws).
 *
 * ```ts
 * const server = new grpc.Server({ interceptors: [bearerAuth(({ token }) => token === secret)] });
 * ```
 * The same check runs for Connect calls on `listen()`'s port (their `authorization` header).
 */
export function bearerAuth(
  verify: (check: TokenCheck) => boolean | Promise<boolean>,
  options: BearerAuthOptions = {},
): grpc.ServerInterceptor {
  const interceptor: grpc.ServerInterceptor = (descriptor, call) => {
    if (options.skip?.(descriptor.path)) return new grpc.ServerInterceptingCall(call);
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, mdNext) {
            tokenRejection(verify, descriptor.path, metadata).then((rejected) =>
              rejected === undefined
                ? mdNext(metadata)
                : call.sendStatus({ code: Code.UNAUTHENTICATED, details: rejected }),
            );
          },
        });
      },
    });
  };
  // Connect calls: the same check, before the handler runs.
  return withCallMiddleware(interceptor, async (info, next) => {
    if (options.skip?.(info.method)) return next();
    const rejected = await tokenRejection(verify, info.method, info.metadata);
    return rejected === undefined ? next() : { code: Code.UNAUTHENTICATED, details: rejected };
  });
}

/** Why a call's token is refused, or `undefined` when `verify` accepts it. */
async function tokenRejection(
  verify: (check: TokenCheck) => boolean | Promise<boolean>,
  method: string,
  metadata: grpc.Metadata,
): Promise<string | undefined> {
  const header = metadata.get("authorization")[0];
  if (header === undefined) return "missing bearer token";
  const match = typeof header === "string" ? /^Bearer +(\S+)\s*$/i.exec(header) : null;
  if (match === null) return "authorization header is not a bearer token";
  const token = match[1] as string;
  try {
    if (await verify({ token, method, metadata })) return undefined;
  } catch {
    // A verifier that throws refuses the token, as one that returns false.
  }
  return "invalid bearer token";
}
