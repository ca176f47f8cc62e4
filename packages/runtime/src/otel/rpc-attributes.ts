import type * as grpc from "@grpc/grpc-js";
import type { Attributes } from "@opentelemetry/api";
import { connectCodeName } from "../server/connect/connect-error.js";

/** `rpc.system`: gRPC, or Connect calls on `listen()`'s port. */
export type RpcSystem = "grpc" | "connect_rpc";

/** What the semantic conventions for RPC derive from a full method name, computed once per method. */
export interface MethodInfo {
  /** `package.Service/Method`: the span name. */
  readonly spanName: string;
  /** `rpc.system`, `rpc.service`, `rpc.method`. */
  readonly attributes: Readonly<Attributes>;
  /** Message events are for streams only: the conventions say none on unary calls. */
  readonly streaming: boolean;
  /** {@link attributes} with each status code: what a duration is recorded with. */
  readonly byCode: AttributesByCode;
}

const methods: Record<RpcSystem, Map<string, MethodInfo>> = { grpc: new Map(), connect_rpc: new Map() };

/** The span name and attributes for `/package.Service/Method`, cached: every call of a method shares them. */
export function methodInfo(path: string, streaming: boolean, system: RpcSystem = "grpc"): MethodInfo {
  const cache = methods[system];
  let info = cache.get(path);
  if (info === undefined) {
    const name = path.startsWith("/") ? path.slice(1) : path;
    const slash = name.lastIndexOf("/");
    const service = slash < 0 ? "" : name.slice(0, slash);
    const method = slash < 0 ? name : name.slice(slash + 1);
    const attributes = Object.freeze({ "rpc.system": system, "rpc.service": service, "rpc.method": method });
    const byCode = new AttributesByCode(attributes, system === "grpc" ? grpcStatusCode : connectErrorCode);
    info = { spanName: name, attributes, streaming, byCode };
    cache.set(path, info);
  }
  return info;
}

/**
 * The codes a server reports as a span error: the ones that say the server failed, not the
 * caller (semantic conventions for gRPC). A client treats every code but OK as an error.
 */
const SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]); // UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS

/** True when `code` ends a server span with an error status. */
export function isServerError(code: number): boolean {
  return SERVER_ERRORS.has(code);
}

/** `host:port`, `[v6]:port` or a bare host, as `server.address` and `server.port`. */
function splitHostPort(hostPort: string): { address: string; port?: number } {
  let address = hostPort;
  let port = "";
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    address = hostPort.slice(1, close);
    if (hostPort[close + 1] === ":") port = hostPort.slice(close + 2);
  } else if (hostPort.indexOf(":") === hostPort.lastIndexOf(":") && hostPort.includes(":")) {
    address = hostPort.slice(0, hostPort.indexOf(":"));
    port = hostPort.slice(hostPort.indexOf(":") + 1);
  }
  const n = Number(port);
  return port !== "" && Number.isInteger(n) ? { address, port: n } : { address };
}

/**
 * `server.address`/`server.port` for a client target as grpc-js takes it: `host:port`,
 * `dns:///host:port`, `ipv4:a:p,b:q` (the first), `unix:/path`, `etcd:///name`.
 */
export function targetAttributes(target: string): Attributes {
  let rest = target;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target);
  if (scheme !== null && !/^\d+$/.test(target.slice(scheme[0].length).split("/")[0] ?? "")) {
    const name = scheme[1]!.toLowerCase();
    rest = target.slice(scheme[0].length);
    if (name === "unix" || name === "unix-abstract") return { "server.address": rest.replace(/^\/\//, "") };
    if (rest.startsWith("//")) rest = rest.slice(rest.indexOf("/", 2) + 1);
    rest = rest.split(",")[0] ?? rest;
  }
  const { address, port } = splitHostPort(rest);
  return port === undefined ? { "server.address": address } : { "server.address": address, "server.port": port };
}

type ConnectionInfo = ReturnType<grpc.ServerInterceptingCallInterface["getConnectionInfo"]>;

/** A server span's attributes: the method's and the connection's addresses, in one new object. */
export function serverSpanAttributes(method: MethodInfo, connection: ConnectionInfo): Attributes {
  const attributes: Attributes = { ...method.attributes };
  if (connection.localAddress !== undefined) attributes["server.address"] = connection.localAddress;
  if (connection.localPort !== undefined) attributes["server.port"] = connection.localPort;
  if (connection.remoteAddress !== undefined) attributes["network.peer.address"] = connection.remoteAddress;
  if (connection.remotePort !== undefined) attributes["network.peer.port"] = connection.remotePort;
  return attributes;
}

/** What a status code adds to a gRPC call's attributes. */
export function grpcStatusCode(code: number): Attributes {
  return { "rpc.grpc.status_code": code };
}

/** What a status code adds to a Connect call's attributes: the error's name, on failure only. */
export function connectErrorCode(code: number): Attributes {
  return code === 0 ? {} : { "rpc.connect_rpc.error_code": connectCodeName(code) };
}

/** The attributes of an `rpc.message` event. */
export function messageEvent(type: "SENT" | "RECEIVED", id: number): Attributes {
  return { "rpc.message.type": type, "rpc.message.id": id };
}

/**
 * A method's attributes with its status code's added (`rpc.grpc.status_code`, or
 * `rpc.connect_rpc.error_code`), one frozen object per code, built when
 * first needed: every duration a method records with the same code shares one object instead of
 * spreading a new one per call.
 */
export class AttributesByCode {
  readonly #base: Readonly<Attributes>;
  readonly #ofCode: (code: number) => Attributes;
  readonly #byCode: Readonly<Attributes>[] = [];

  constructor(base: Readonly<Attributes>, ofCode: (code: number) => Attributes = grpcStatusCode) {
    this.#base = base;
    this.#ofCode = ofCode;
  }

  get(code: number): Readonly<Attributes> {
    let attributes = this.#byCode[code];
    if (attributes === undefined) {
      attributes = Object.freeze({ ...this.#base, ...this.#ofCode(code) });
      // grpc-js codes are 0 to 16; anything else (a bad status from a peer) is not kept.
      if (Number.isInteger(code) && code >= 0 && code <= 16) this.#byCode[code] = attributes;
    }
    return attributes;
  }
}
