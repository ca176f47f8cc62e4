import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Etcd3, Lease } from "etcd3";
import { detectAdvertiseHost } from "./advertise-host.js";
import { backoffDelay, sleep } from "./backoff.js";
import {
  createEtcdClient,
  ETCD_ENDPOINTS_ENV,
  type EtcdClientOptions,
  endpointsFromEnv,
  parseEndpoints,
} from "./etcd-client.js";
import { encodeInstanceValue, formatHostPort, isUnspecifiedHost, parseHostPort } from "./instance-value.js";
import { checkName, instanceKey } from "./service-keys.js";

/** The lease TTL used when {@link RegisterOptions.ttlSeconds} is not given. */
export const DEFAULT_TTL_SECONDS = 10;

/** Options for {@link registerInstance}. */
export interface RegisterOptions {
  /** The service name clients dial as `etcd:///<service>`, e.g. `greeter`. */
  service: string;
  /** The port the server is bound to: the one `bindAsync` reported (never 0). */
  port: number;
  /**
   * The host clients should dial (e.g. the pod IP). Default: this machine's first external
   * address. `0.0.0.0` and `::` are refused: they are listen addresses, not dialable ones.
   */
  host?: string | undefined;
  /** This instance's key segment. Default: `<hostname>-<pid>-<random>`. */
  instanceId?: string | undefined;
  /** Stored as `Metadata` in the value (grpc-go's endpoint field); default `null`. */
  metadata?: unknown;
  /** Lease TTL in whole seconds (default 10): how long a crashed instance stays listed. */
  ttlSeconds?: number | undefined;
  /** etcd endpoints, as a list or comma-separated. Default: `ETCD_ENDPOINTS`. */
  endpoints?: string | readonly string[] | undefined;
  /** etcd3 client options: TLS `credentials`, `auth`, … */
  etcd?: EtcdClientOptions | undefined;
  /** Told about every registration, loss and retry, e.g. to log them. Must not throw. */
  onEvent?: ((event: RegistrationEvent) => void) | undefined;
}

/** What happens to a registration over its life, for logs and metrics. */
export type RegistrationEvent =
  /** The key was written under a fresh lease (the first time, or again after a loss). */
  | { type: "registered"; key: string; leaseId: string }
  /** The lease expired or etcd stopped answering for 2×TTL; the key is gone or going. */
  | { type: "lost"; key: string; error: Error }
  /** An attempt to (re-)register failed or was lost; the next one starts after `delayMs`. */
  | { type: "retrying"; key: string; error: Error; delayMs: number }
  /** `close()` finished: `revoked` tells whether etcd confirmed the deletion (else the TTL will). */
  | { type: "closed"; key: string; revoked: boolean; error?: Error };

/** A server instance registered in etcd; see {@link registerInstance}. */
export interface Registration {
  /** The instance's key: `/services/<service>/<instanceId>`. */
  readonly key: string;
  /** The advertised `host:port`. */
  readonly address: string;
  /**
   * Resolves once the key is first in etcd. While etcd is unreachable it keeps waiting (the
   * registration keeps retrying); rejects only if `close()` comes first.
   */
  readonly ready: Promise<void>;
  /**
   * Deregisters: stops re-registering and revokes the lease, which deletes the key at once
   * so clients stop picking this instance, then closes the etcd client. Call it before
   * shutting the server down. Never rejects; if etcd cannot be reached within 3 s the key
   * expires with its TTL instead. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * Registers a bound server under `/services/<service>/<instanceId>` in etcd, as
 * `{"Addr":"host:port","Metadata":…}` attached to a lease that is kept alive. When the lease
 * is lost (etcd down or unreachable longer than the TTL), a new lease is granted and the
 * same key written again, with jittered backoff, for as long as the registration is open.
 *
 * ```ts
 * server.bindAsync("0.0.0.0:50051", grpc.ServerCredentials.createInsecure(), (err, port) => {
 *   if (err) throw err;
 *   const registration = registerInstance({ service: "greeter", port });
 *   for (const signal of ["SIGINT", "SIGTERM"] as const) {
 *     process.once(signal, async () => {
 *       await registration.close(); // clients stop picking us first
 *       server.tryShutdown(() => process.exit(0));
 *     });
 *   }
 * });
 * ```
 *
 * @throws TypeError for an invalid service name, instance id, port or host, for `0.0.0.0`
 *   or `::` as host, and when there are no etcd endpoints.
 */
export function registerInstance(options: RegisterOptions): Registration {
  return new EtcdRegistration(options);
}

class EtcdRegistration implements Registration {
  readonly key: string;
  readonly address: string;
  readonly ready: Promise<void>;
  private readonly value: string;
  private readonly ttl: number;
  private readonly client: Etcd3;
  private readonly abort = new AbortController();
  private readonly onEvent: (event: RegistrationEvent) => void;
  private lease: Lease | undefined;
  private closing: Promise<void> | undefined;
  private settleReady: (error?: Error) => void = () => {};

  constructor(options: RegisterOptions) {
    const { service, port } = options;
    checkName("service", service);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TypeError(`registerInstance: port ${port} is not a bound port; register after bindAsync succeeds`);
    }
    const host = options.host ?? detectAdvertiseHost();
    if (isUnspecifiedHost(host)) {
      throw new TypeError(
        `registerInstance: refusing to advertise ${host}: clients cannot dial a listen address; pass the host they should use, or omit it to detect one`,
      );
    }
    const hostPort = parseHostPort(formatHostPort({ host, port }));
    if (hostPort === undefined) throw new TypeError(`registerInstance: invalid host ${JSON.stringify(host)}`);
    const endpoints = options.endpoints !== undefined ? parseEndpoints(options.endpoints) : endpointsFromEnv();
    if (endpoints.length === 0) {
      throw new TypeError(`registerInstance: no etcd endpoints; pass endpoints or set ${ETCD_ENDPOINTS_ENV}`);
    }
    const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1)
      throw new TypeError(`registerInstance: ttlSeconds must be a whole number ≥ 1`);

    this.key = instanceKey(service, options.instanceId ?? defaultInstanceId());
    this.address = formatHostPort(hostPort);
    this.value = encodeInstanceValue(hostPort, options.metadata);
    this.ttl = ttl;
    const onEvent = options.onEvent;
    this.onEvent = (event) => {
      try {
        onEvent?.(event);
      } catch {
        // A logging callback must not stop re-registration.
      }
    };
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.ready.catch(() => {}); // rejecting it on close() must not be an unhandled rejection
    this.client = createEtcdClient(endpoints, options.etcd);
    void this.run();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    this.settleReady(new Error(`${this.key}: registration closed before it was registered`));
    let revoked = false;
    let error: Error | undefined;
    try {
      // Revoking also covers a grant or put still in flight: it waits for the grant.
      const lease = this.lease;
      await lease?.revoke({ deadline: Date.now() + 3000 });
      revoked =
        lease !== undefined &&
        (await lease.grant().then(
          () => true,
          () => false,
        ));
    } catch (err) {
      error = toError(err);
    }
    this.client.close();
    this.onEvent(
      error ? { type: "closed", key: this.key, revoked, error } : { type: "closed", key: this.key, revoked },
    );
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let attempt = 0;
    while (!signal.aborted) {
      const lease = this.client.lease(this.ttl);
      this.lease = lease;
      const lost = new Promise<Error>((resolve) => lease.on("lost", resolve));
      let error: Error | undefined;
      try {
        await lease.put(this.key).value(this.value);
        const leaseId = await lease.grant();
        if (signal.aborted) return;
        attempt = 0;
        this.onEvent({ type: "registered", key: this.key, leaseId });
        this.settleReady();
        error = await this.untilLost(lease, lost);
        if (error === undefined) return; // closed
        this.onEvent({ type: "lost", key: this.key, error });
      } catch (err) {
        if (signal.aborted) return;
        error = toError(err);
      }
      lease.release(); // stop keepalives of a lease given up on; it expires on its own
      const delayMs = backoffDelay(attempt++, 250, Math.min(5000, this.ttl * 1000));
      this.onEvent({ type: "retrying", key: this.key, error, delayMs });
      await sleep(delayMs, signal);
    }
  }

  /**
   * Waits until the lease is lost (an Error) or the registration is closed (undefined).
   * etcd3 reports 'lost' itself when keepalives fail for 2×TTL; the watchdog covers a
   * keepalive loop that stops without saying so (microsoft/etcd3#110).
   */
  private untilLost(lease: Lease, lost: Promise<Error>): Promise<Error | undefined> {
    const signal = this.abort.signal;
    let lastKeepalive = Date.now();
    const onKeepalive = () => {
      lastKeepalive = Date.now();
    };
    lease.on("keepaliveSucceeded", onKeepalive);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const watchdog = new Promise<Error>((resolve) => {
      timer = setInterval(() => {
        if (Date.now() - lastKeepalive > 3 * this.ttl * 1000) {
          resolve(new Error(`no lease keepalive for ${3 * this.ttl} s`));
        }
      }, this.ttl * 1000);
    });
    const closed = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    return Promise.race([lost, watchdog, closed]).finally(() => {
      clearInterval(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
      lease.removeListener("keepaliveSucceeded", onKeepalive);
    });
  }
}

function defaultInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, "-") || "host";
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
