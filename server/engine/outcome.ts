/**
 * Shapes shared by the method table, the tool steps and the input rounds.
 *
 * @module
 */

import { ErrorCode, type JsonObject } from "../../protocol/jsonrpc.ts";
import { McpError } from "../errors.ts";
import type { CompiledSchema, Validation } from "../components/schema.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import type { InputRequired } from "./input_state.ts";

export type { MaybePromise };

/** What a handler that may need client input produces. */
export type Outcome = MaybePromise<JsonObject | InputRequired>;

/** A `-32602` error with a message naming the problem. */
export function invalidParams(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, message, { logLevel: "info" });
}

const prototypeMembers = new WeakMap<CompiledSchema, boolean>();

/** True when the schema's top-level properties include a name `Object.prototype` answers to. */
function namesPrototypeMember(schema: CompiledSchema): boolean {
  let names = prototypeMembers.get(schema);
  if (names === undefined) {
    const properties = (schema.jsonSchema as { properties?: unknown }).properties;
    names = typeof properties !== "object" || properties === null ||
      Object.keys(properties).some((key) => key in Object.prototype);
    prototypeMembers.set(schema, names);
  }
  return names;
}

/**
 * Validates an object the client sent (tool or prompt arguments, an elicited answer) through a
 * copy without a prototype, so that a validator reading a property the client did not send, such
 * as `toString` or `constructor`, sees `undefined` instead of `Object.prototype`'s member (zod
 * and Ajv both read `value[name]`). A validator that hands the copy back as the value gets the
 * client's own object returned in its place, so handlers still receive an ordinary object. Only
 * the top level is copied: nested objects keep their prototype.
 */
export function validateOwn(schema: CompiledSchema, value: JsonObject): MaybePromise<Validation> {
  // The copy costs every call; only a schema naming a property Object.prototype has can need it.
  if (!namesPrototypeMember(schema)) return schema.validate(value);
  const view: JsonObject = Object.assign(Object.create(null), value);
  const settle = (checked: Validation): Validation =>
    checked.ok && checked.value === view ? { ok: true, value } : checked;
  const checked = schema.validate(view);
  return checked instanceof Promise ? checked.then(settle) : settle(checked);
}
