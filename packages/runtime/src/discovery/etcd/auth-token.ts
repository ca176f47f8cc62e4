import { Code, RpcError } from "@rpcgen/runtime";

/** A user and password for an etcd cluster with auth enabled. */
export interface EtcdAuth {
  username: string;
  password: string;
}

/**
 * Whether `err` means "get a new token and try again". etcd answers an expired or unknown
 * simple token with UNAUTHENTICATED "etcdserver: invalid auth token", a token older than the
 * last auth change with "revision of auth store is old", and a missing token with "user name
 * is empty" (INVALID_ARGUMENT both); etcd's Go client retries on the same set.
 */
export function isTokenError(err: unknown): boolean {
  if (!(err instanceof RpcError)) return false;
  if (err.code === Code.UNAUTHENTICATED) return true;
  return (
    err.code === Code.INVALID_ARGUMENT &&
    /revision of auth store is old|user name is empty|invalid auth token/.test(err.message)
  );
}

/**
 * The current etcd auth token: fetched on first use with `authenticate`, shared by every call
 * until one of them reports it invalid, then fetched again once however many calls noticed.
 */
export class AuthToken {
  private current: Promise<string> | undefined;

  constructor(private readonly authenticate: () => Promise<string>) {}

  /** The token, authenticating first if there is none (a failed attempt is not kept). */
  get(): Promise<string> {
    if (this.current === undefined) {
      const attempt = this.authenticate();
      this.current = attempt;
      attempt.catch(() => {
        if (this.current === attempt) this.current = undefined;
      });
    }
    return this.current;
  }

  /** Forgets `token` (the one a failed call used), unless a newer one already replaced it. */
  invalidate(token: string): void {
    const current = this.current;
    if (current === undefined) return;
    void current.then(
      (t) => {
        if (t === token && this.current === current) this.current = undefined;
      },
      () => {},
    );
  }
}
