// Every setting comes from the environment through src/config.ts; a bad one is one line naming it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig } from "../src/config.js";

test("defaults: loopback, port 50051, no etcd, call logs and reflection on", () => {
  const config = loadConfig({});
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 50051);
  assert.equal(config.advertiseHost, "127.0.0.1");
  assert.deepEqual(config.etcdEndpoints, []);
  assert.equal(config.etcdTtlSeconds, 10);
  assert.equal(config.logCalls, true);
  assert.equal(config.reflection, true);
  assert.equal(config.shutdownGraceMs, 10_000);
  assert.equal(config.broker, "auto");
  assert.equal(config.redisUrl, undefined);
});

test("every variable is read", () => {
  const config = loadConfig({
    HOST: "0.0.0.0",
    PORT: "0",
    ETCD_ENDPOINTS: "10.0.0.1:2379, 10.0.0.2:2379",
    ETCD_TTL: "30",
    LOG_CALLS: "0",
    REFLECTION: "false",
    SHUTDOWN_GRACE_MS: "2500",
    BROKER: "redis",
    REDIS_URL: "redis://:secret@10.0.0.3:6379/1",
  });
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.port, 0);
  // A wildcard is not dialable: nothing to advertise, so registration detects this machine's address.
  assert.equal(config.advertiseHost, undefined);
  assert.deepEqual(config.etcdEndpoints, ["10.0.0.1:2379", "10.0.0.2:2379"]);
  assert.equal(config.etcdTtlSeconds, 30);
  assert.equal(config.logCalls, false);
  assert.equal(config.reflection, false);
  assert.equal(config.shutdownGraceMs, 2500);
  assert.equal(config.broker, "redis");
  assert.equal(config.redisUrl, "redis://:secret@10.0.0.3:6379/1");
  assert.equal(loadConfig({ HOST: "0.0.0.0", ADVERTISE_HOST: "10.1.2.3" }).advertiseHost, "10.1.2.3");
});

test("a bad value is a ConfigError naming the variable", () => {
  const bad: Record<string, string> = {
    PORT: "http",
    ETCD_ENDPOINTS: "localhost",
    ETCD_TTL: "0",
    ADVERTISE_HOST: "0.0.0.0",
    LOG_CALLS: "maybe",
    REFLECTION: "2",
    SHUTDOWN_GRACE_MS: "-1",
    BROKER: "kafka",
  };
  for (const [name, value] of Object.entries(bad)) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (err: unknown) =>
        err instanceof ConfigError && err.message.startsWith(`${name}: "${value}"`) && !err.message.includes("\n"),
      name,
    );
  }
});

test("a bad REDIS_URL is named, but not printed: it may hold a password", () => {
  assert.throws(
    () => loadConfig({ REDIS_URL: "http://:secret@host:6379" }),
    new ConfigError("REDIS_URL: not a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)"),
  );
});
