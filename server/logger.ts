/**
 * The server's own log: one function every part logs through, to stderr (stdout belongs to the
 * stdio transport), filtered by a minimum level. Tokens and message bodies are never logged here.
 *
 * @module
 */

import { LOG_LEVELS, type LoggingLevel } from "../protocol/types.ts";

/** A sink for the server's own log lines. */
export type LogSink = (level: LoggingLevel, message: string, fields?: Record<string, unknown>) => void;

/** Numeric rank of a level, for comparisons. */
export function levelRank(level: LoggingLevel): number {
  return LOG_LEVELS.indexOf(level);
}

/** True when `value` names a log level. */
export function isLogLevel(value: unknown): value is LoggingLevel {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Creates the default sink: `[denomcp] level message {fields}` on stderr at or above `minimum`. */
export function stderrLogger(name: string, minimum: LoggingLevel): LogSink {
  const floor = levelRank(minimum);
  return (level, message, fields) => {
    if (levelRank(level) < floor) return;
    const tail = fields && Object.keys(fields).length ? " " + JSON.stringify(fields) : "";
    console.error(`[${name}] ${level}: ${message}${tail}`);
  };
}
