/**
 * MCP protocol revisions and the two wire eras they belong to.
 *
 * The legacy era (2024-11-05 … 2025-11-25) negotiates a version once with `initialize` and keeps
 * a session; the modern era (2026-07-28) is stateless and every request carries its own `_meta`.
 *
 * @module
 */

import { PROTOCOL_VERSION_KEY } from "./meta_keys.ts";

/** The stateless revision. */
export const MODERN_PROTOCOL_VERSION = "2026-07-28";

/** Newest stateful revision. */
export const LATEST_LEGACY_PROTOCOL_VERSION = "2025-11-25";

/** Stateful revisions we serve, newest first. */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = [
  "2025-11-25",
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
];

/** Stateless revisions we serve. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION];

/** Every revision we serve, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  ...MODERN_PROTOCOL_VERSIONS,
  ...LEGACY_PROTOCOL_VERSIONS,
];

/**
 * Version assumed for a legacy HTTP request without an `MCP-Protocol-Version` header
 * (2025-06-18 transports §"Protocol Version Header").
 */
export const DEFAULT_LEGACY_HTTP_VERSION = "2025-03-26";

/** Which wire a request travels on. */
export type Era = "legacy" | "modern";

/** True when a message's params claim the 2026 wire (their `_meta` names a protocol version). */
export function claimsModern(params: unknown): boolean {
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  return typeof meta === "object" && meta !== null && Object.hasOwn(meta, PROTOCOL_VERSION_KEY);
}

/** True when an `MCP-Protocol-Version` header names a stateless (2026-07-28+) revision. */
export function isModernVersion(version: string | null | undefined): boolean {
  return version != null && MODERN_PROTOCOL_VERSIONS.includes(version.trim());
}

/** The version `initialize` settles on for a requested one: it if served, else the newest stateful one. */
export function negotiatedLegacyVersion(requested: unknown): string {
  return typeof requested === "string" && LEGACY_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : LATEST_LEGACY_PROTOCOL_VERSION;
}

/** True for revisions whose SSE streams may be primed and polled (SEP-1699, 2025-11-25+). */
export function supportsSsePolling(version: string): boolean {
  return version >= "2025-11-25";
}
