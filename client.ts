/**
 * denomcp's client side. The full client arrives with its own issue; today this module exposes
 * the protocol pieces a client needs and that carry no server code.
 *
 * @example
 * ```ts
 * import { SUPPORTED_PROTOCOL_VERSIONS } from "@denomcp/denomcp/client";
 * console.log(SUPPORTED_PROTOCOL_VERSIONS.includes("2026-07-28")); // true
 * ```
 *
 * @module
 */

export {
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "./protocol/versions.ts";
export { parseSse, readSse, type SseEvent } from "./protocol/sse.ts";
