/**
 * The loopback names both sides trust: the server binds and guards by them, the client lets an
 * OAuth redirect or a discovered URL use plain `http:` only on them.
 *
 * @module
 */

/** Hostnames of the loopback interface. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]", "::1"];
