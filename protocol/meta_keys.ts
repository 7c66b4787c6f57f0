/**
 * Reserved `_meta` keys of the 2026-07-28 revision.
 *
 * @module
 */

/** Protocol version of a stateless request. */
export const PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion";
/** Client implementation info of a stateless request. */
export const CLIENT_INFO_KEY = "io.modelcontextprotocol/clientInfo";
/** Client capabilities of a stateless request. */
export const CLIENT_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";
/** Server implementation info on results. */
export const SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";
/** Per-request minimum log level; without it a stateless request gets no log messages. */
export const LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel";
/** Id of the `subscriptions/listen` stream a notification belongs to. */
export const SUBSCRIPTION_ID_KEY = "io.modelcontextprotocol/subscriptionId";
