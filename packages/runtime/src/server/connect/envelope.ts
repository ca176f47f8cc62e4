import { Code, RpcError } from "../../shared/rpc-error.js";

/** Envelope flags of the Connect streaming protocol. */
export const FLAG_COMPRESSED = 0x01;
export const FLAG_END_STREAM = 0x02;

/** A 5-byte prefix (flags, big-endian length) and the payload. */
export function envelope(flags: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.byteLength);
  out[0] = flags;
  out.writeUInt32BE(payload.byteLength, 1);
  out.set(payload, 5);
  return out;
}

/**
 * The messages of a streaming request body, one envelope at a time as they arrive, so that a
 * slow handler pauses the body (and TCP or HTTP/2 flow control stops the client). A length
 * claim over `maxBytes` is refused before anything is buffered for it; a body that ends inside
 * an envelope is a protocol error, never a short message; so is a compressed envelope, since
 * the handler takes no `connect-content-encoding` but identity.
 */
export async function* readMessages(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (length > maxBytes) {
        throw new RpcError(
          Code.RESOURCE_EXHAUSTED,
          `message of ${length} bytes is larger than the limit of ${maxBytes}`,
        );
      }
      if (pending.length < 5 + length) break;
      if (((pending[0] as number) & FLAG_COMPRESSED) !== 0) {
        throw new RpcError(
          Code.INVALID_ARGUMENT,
          "protocol error: compressed message without a connect-content-encoding",
        );
      }
      yield pending.subarray(5, 5 + length);
      pending = pending.subarray(5 + length);
    }
  }
  if (pending.length > 0) throw new RpcError(Code.INVALID_ARGUMENT, "protocol error: the body ends inside an envelope");
}
