import type { MessageInitShape } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  HealthCheckResponse_ServingStatus,
  type HealthCheckResponseSchema,
  Health as HealthDesc,
  type HealthListResponseSchema,
} from "../gen/grpc/health/v1/health_pb.js";
import { methodDefinition } from "../shared/method-definition.js";
import { Code, RpcError } from "../shared/rpc-error.js";
import type { CallContext } from "./call-context.js";
import { registerService } from "./register-service.js";
import { serverState } from "./server-state.js";

/** `grpc.health.v1.HealthCheckResponse.ServingStatus`: UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN. */
export const ServingStatus = HealthCheckResponse_ServingStatus;
export type ServingStatus = HealthCheckResponse_ServingStatus;

const definition = {
  check: methodDefinition(HealthDesc.method.check),
  list: methodDefinition(HealthDesc.method.list),
  watch: methodDefinition(HealthDesc.method.watch),
};

/**
 * The standard health service (`grpc.health.v1.Health`: Check, List, Watch) of one server.
 * Without any `setStatus`, the server as a whole (`""`) and every service registered on it
 * with a generated `register…Server` are SERVING, and other names are unknown (Check answers
 * NOT_FOUND, Watch SERVICE_UNKNOWN).
 */
export class HealthService {
  readonly #server: grpc.Server;
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #changed = new Set<() => void>();
  #shutDown = false;

  constructor(server: grpc.Server) {
    this.#server = server;
  }

  /** Sets the status of `service` (`""`: the whole server); Watch streams see the change. Ignored after `shutdown()`. */
  setStatus(service: string, status: ServingStatus): void {
    if (this.#shutDown) return;
    this.#statuses.set(service, status);
    this.#notify();
  }

  /** The status of `service`, or `undefined` if it is unknown. */
  status(service: string): ServingStatus | undefined {
    const known = this.#statuses.get(service) ?? (this.#isServed(service) ? ServingStatus.SERVING : undefined);
    if (known !== undefined && this.#shutDown) return ServingStatus.NOT_SERVING;
    return known;
  }

  /** Every known service and its status. */
  statuses(): Map<string, ServingStatus> {
    const names = new Set(["", ...serverState(this.#server).services.keys(), ...this.#statuses.keys()]);
    return new Map([...names].sort().map((name) => [name, this.status(name) ?? ServingStatus.UNKNOWN]));
  }

  /** Every service turns NOT_SERVING and stays so (as grpc-go's health server); graceful shutdown calls this. */
  shutdown(): void {
    this.#shutDown = true;
    this.#notify();
  }

  /** Undoes `shutdown()`. */
  resume(): void {
    this.#shutDown = false;
    this.#notify();
  }

  #isServed(service: string): boolean {
    return service === "" || serverState(this.#server).services.has(service);
  }

  #notify(): void {
    for (const wake of [...this.#changed]) wake();
  }

  /** Resolves at the next status change, or when `signal` aborts. */
  nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#changed.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#changed.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** The rpc handlers of `health`. */
function healthHandlers(health: HealthService) {
  return {
    check(request: HealthCheckRequest): MessageInitShape<typeof HealthCheckResponseSchema> {
      const status = health.status(request.service);
      if (status === undefined) throw new RpcError(Code.NOT_FOUND, `unknown service ${request.service}`);
      return { status };
    },
    list(): MessageInitShape<typeof HealthListResponseSchema> {
      return { statuses: Object.fromEntries([...health.statuses()].map(([name, status]) => [name, { status }])) };
    },
    async *watch(request: HealthCheckRequest, ctx: CallContext) {
      // Only the latest status matters: a slow watcher skips the states it missed.
      let sent: ServingStatus | undefined;
      while (!ctx.signal.aborted) {
        const now = health.status(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (now !== sent) {
          sent = now;
          yield { status: now };
        } else {
          await health.nextChange(ctx.signal);
        }
      }
    },
  };
}

/**
 * Adds `grpc.health.v1.Health` to `server` and returns it, to set statuses. Graceful shutdown
 * ({@link shutdownGracefully}) turns every status NOT_SERVING first.
 *
 * ```ts
 * const health = addHealthService(server);
 * health.setStatus("helloworld.Greeter", ServingStatus.NOT_SERVING);
 * ```
 */
export function addHealthService(server: grpc.Server): HealthService {
  const health = new HealthService(server);
  registerService(server, definition, healthHandlers(health));
  serverState(server).onShutdown.add(() => health.shutdown());
  return health;
}
