/**
 * Tasks as an extension: on 2026-07-28 the `io.modelcontextprotocol/tasks` extension (SEP-2663)
 * declared under `capabilities.extensions`, with `tasks/get`, `tasks/update` and `tasks/cancel`;
 * on 2025-11-25 the core `tasks` capability (declared by the server core) with `tasks/get`,
 * `tasks/cancel`, `tasks/result` and `tasks/list`. The tool-call gate that turns a call into a
 * task stays the first step of `tools/call` (`engine/tool_call.ts`).
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import type { Era } from "../../protocol/versions.ts";
import type { Exchange } from "../engine/exchange.ts";
import { EXCHANGE_HANDLERS, type Extension, type ExtensionMethod } from "../extensions/extension.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import type { TaskService } from "./service.ts";
import { TASKS_EXTENSION } from "./wire.ts";

/** The tasks extension of a server, answered by its task service. */
export function tasksExtension(tasks: TaskService): Extension {
  const method = (
    eras: Era[],
    handler: (exchange: Exchange) => MaybePromise<JsonObject>,
  ): ExtensionMethod => {
    const entry: ExtensionMethod = {
      eras,
      handler: () => {
        throw new Error("answered by the task service");
      },
    };
    EXCHANGE_HANDLERS.set(entry, handler);
    return entry;
  };
  return {
    id: TASKS_EXTENSION,
    declaredOn: ["modern"],
    methods: {
      "tasks/get": method(["legacy", "modern"], (ex) => tasks.get(ex)),
      "tasks/cancel": method(["legacy", "modern"], (ex) => tasks.cancel(ex)),
      "tasks/update": method(["modern"], (ex) => tasks.update(ex)),
      "tasks/result": method(["legacy"], (ex) => tasks.result(ex)),
      "tasks/list": method(["legacy"], (ex) => tasks.list(ex)),
    },
  };
}
