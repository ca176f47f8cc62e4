/** Payload sizes of the scenarios, in bytes of ASCII text. */
export const SMALL = 100;
export const LARGE = 16 * 1024;

const cache = new Map<number, string>();

/** A string of `size` ASCII characters; the same string object for the same size. */
export function payloadOf(size: number): string {
  let payload = cache.get(size);
  if (payload === undefined) {
    payload = "x".repeat(size);
    cache.set(size, payload);
  }
  return payload;
}
