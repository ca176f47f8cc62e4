import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { detectAdvertiseHost } from "./advertise-host.js";
import { backoffDelay, sleep } from "./backoff.js";
import { EtcdConnection } from "./etcd/connection.js";
import { utf8 } from "./etcd/keys.js";
import { keepLeaseAlive } from "./etcd/lease-keepalive.js";
import { ETCD_ENDPOINTS_ENV, type EtcdClientOptions, endpointsFromEnv, parseEndpoints } from "./etcd-client.js";
import { Compare_CompareTarget } from "./gen/etcd/etcdserverpb/rpc_pb.js";
import {
  encodeInstanceValue,
  formatHostPort,
  type HostPort,
  isUnspecifiedHost,
  parseHostPort,
} from "./instance-value.js";
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
  /** How to reach etcd: TLS `credentials`, user/password `auth`, `grpcOptions`. */
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
   * Deregisters: stops re-registering, marks the key `Leaving` and revokes the lease, which
   * deletes the key; clients drop this instance at once (a key that vanishes without the
   * mark is kept by resolvers for one TTL). Then closes the etcd connection. Call it before
   * shutting the server down. Never rejects; if etcd cannot be reached within 3 s the key
   * expires with its TTL instead. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * Registers a bound server under `/services/<service>/<instanceId>` in etcd, as
 * `{"Addr":"host:port","Metadata":…,"TTL":<ttl>}` attached to a lease that is kept alive over
 * one LeaseKeepAlive stream. When the lease
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
  private readonly hostPort: HostPort;
  private readonly metadata: unknown;
  private readonly ttl: number;
  private readonly etcd: EtcdConnection;
  private readonly abort = new AbortController();
  private readonly onEvent: (event: RegistrationEvent) => void;
  private readonly running: Promise<void>;
  /** The lease the key may be attached to: set as soon as etcd granted it, before the put. */
  private lease: bigint | undefined;
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
    this.hostPort = hostPort;
    this.metadata = options.metadata;
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
    try {
      this.etcd = new EtcdConnection(endpoints, options.etcd);
    } catch (err) {
      throw new TypeError(`registerInstance: ${(err as Error).message}`);
    }
    this.running = this.run();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private value(leaving = false): Uint8Array {
    return utf8(encodeInstanceValue(this.hostPort, { metadata: this.metadata, ttlSeconds: this.ttl, leaving }));
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    this.settleReady(new Error(`${this.key}: registration closed before it was registered`));
    await this.running; // a grant or put in flight is cancelled; `lease` is final now
    let revoked = false;
    let error: Error | undefined;
    const lease = this.lease;
    if (lease !== undefined) {
      const deadline = Date.now() + 3000;
      const timeoutMs = () => Math.max(1, deadline - Date.now());
      try {
        // Say "leaving" first, if the key is still ours: resolvers drop a key that vanishes
        // with that value at once, while one that vanishes otherwise (a lease expiry, as in an
        // etcd stall) is held for a TTL. Then revoke, which deletes the key.
        await this.etcd.unary(
          (o) =>
            this.etcd.kv.txn(
              {
                compare: [
                  {
                    key: utf8(this.key),
                    target: Compare_CompareTarget.LEASE,
                    targetUnion: { case: "lease", value: lease },
                  },
                ],
                success: [
                  { request: { case: "requestPut", value: { key: utf8(this.key), value: this.value(true), lease } } },
                ],
              },
              o,
            ),
          { timeoutMs: timeoutMs() },
        );
        await this.etcd.unary((o) => this.etcd.lease.leaseRevoke({ ID: lease }, o), { timeoutMs: timeoutMs() });
        revoked = true;
      } catch (err) {
        error = toError(err);
      }
    }
    this.etcd.close();
    this.onEvent(
      error ? { type: "closed", key: this.key, revoked, error } : { type: "closed", key: this.key, revoked },
    );
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    // Each attempt must end well before the lease would: a call to a stalled etcd never answers.
    const timeoutMs = Math.min(5000, Math.max(1000, this.ttl * 1000));
    let attempt = 0;
    while (!signal.aborted) {
      let error: Error | undefined;
      try {
        const grant = await this.etcd.unary((o) => this.etcd.lease.leaseGrant({ TTL: BigInt(this.ttl) }, o), {
          timeoutMs,
          signal,
        });
        if (grant.error !== "") throw new Error(`etcd refused a lease: ${grant.error}`);
        this.lease = grant.ID;
        await this.etcd.unary(
          (o) => this.etcd.kv.put({ key: utf8(this.key), value: this.value(), lease: grant.ID }, o),
          { timeoutMs, signal },
        );
        if (signal.aborted) return;
        attempt = 0;
        this.onEvent({ type: "registered", key: this.key, leaseId: grant.ID.toString() });
        this.settleReady();
        error = await keepLeaseAlive(this.etcd, grant.ID, { ttlSeconds: this.ttl, signal });
        if (error === undefined) return; // closed
        this.onEvent({ type: "lost", key: this.key, error });
      } catch (err) {
        if (signal.aborted) return;
        error = toError(err);
      }
      const delayMs = backoffDelay(attempt++, 250, Math.min(5000, this.ttl * 1000));
      this.onEvent({ type: "retrying", key: this.key, error, delayMs });
      await sleep(delayMs, signal);
    }
  }
}

function defaultInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, "-") || "host";
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
