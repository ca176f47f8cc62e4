/**
 * The etcd key layout: `/services/<service>/<instance-id>`. The prefix a resolver lists and
 * watches always ends with `/`, so `greeter` never matches `greeter-admin`.
 */
export const SERVICES_PREFIX = "/services/";

// Names become one key segment: no `/`, nothing that needs escaping in a target URI.
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$/;

/** Throws a TypeError naming `what` unless `name` is a usable key segment. */
export function checkName(what: "service" | "instance id", name: string): string {
  if (!NAME.test(name)) {
    throw new TypeError(
      `invalid ${what} ${JSON.stringify(name)}: use letters, digits and . _ - : @ (no "/"), starting with a letter or digit`,
    );
  }
  return name;
}

/** `/services/<service>/`: the prefix holding every instance of `service`. */
export function servicePrefix(service: string): string {
  return `${SERVICES_PREFIX}${checkName("service", service)}/`;
}

/** `/services/<service>/<instanceId>`: one instance's key. */
export function instanceKey(service: string, instanceId: string): string {
  return `${servicePrefix(service)}${checkName("instance id", instanceId)}`;
}
