const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A key or value as etcd stores it: UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes from etcd as text. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * The `range_end` that makes a Range or Watch cover every key starting with `prefix`: the
 * prefix with its last byte below 0xff incremented and the rest dropped (etcd's own rule;
 * `[0]` means "to the end of the keyspace").
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i] as number;
    if (byte < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = byte + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}
