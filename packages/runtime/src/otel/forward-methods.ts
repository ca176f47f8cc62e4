/**
 * Gives `prototype` a method for each method of `reference` (a grpc-js call class's prototype) it
 * lacks, which forwards to the call `next(this)` wraps. rpcgen's traced calls implement grpc-js's
 * call interfaces themselves (one object per call instead of grpc-js's wrapper and its
 * closures); a method a later grpc-js adds to those interfaces then passes through, as it does
 * with grpc-js's own wrappers, instead of failing with a TypeError.
 */
export function forwardMissingMethods<T extends object>(
  prototype: T,
  reference: object,
  next: (self: T) => object,
): void {
  for (const name of Object.getOwnPropertyNames(reference)) {
    if (name === "constructor" || name in prototype) continue;
    if (typeof Object.getOwnPropertyDescriptor(reference, name)?.value !== "function") continue;
    Object.defineProperty(prototype, name, {
      configurable: true,
      writable: true,
      value(this: T, ...args: unknown[]) {
        const target = next(this) as Record<string, unknown>;
        return (target[name] as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
  }
}
