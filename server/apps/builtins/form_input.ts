/**
 * `FormInput`: a form an MCP App host shows the user, with fields from a schema, a prefill the
 * model may give, and values validated by the server when the user submits.
 *
 * @module
 */

import type { JsonObject } from "../../../protocol/jsonrpc.ts";
import { ResourceComponent } from "../../components/resource.ts";
import { type CompiledSchema, compileSchema, type SchemaLike } from "../../components/schema.ts";
import { ToolComponent } from "../../components/tool.ts";
import { ToolError } from "../../errors.ts";
import { appPage } from "./page.ts";
import { BuiltinApp } from "./builtin_app.ts";

/** A field of the form, as the page renders it. */
interface Field {
  name: string;
  label: string;
  description?: string;
  kind: "text" | "email" | "date" | "number" | "integer" | "boolean" | "select" | "textarea";
  options?: string[];
  required: boolean;
}

/**
 * Options of {@link FormInput}.
 *
 * @example
 * ```ts
 * import { type FormInputOptions } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const options: FormInputOptions = { schema: z.object({ name: z.string(), age: z.number().int() }), name: "person" };
 * ```
 */
export interface FormInputOptions {
  /** The form's fields: an object schema (zod, or JSON Schema) of strings, numbers, booleans and enums. */
  schema: SchemaLike;
  /** Names the tools: `collect_<name>` (shows the form) and `submit_<name>` (the app's). Default `"form"`. */
  name?: string;
  /** The form's default title. */
  title?: string;
  /** The submit button's default text. Default "Submit". */
  submitText?: string;
  /** Receives the validated values; what it returns is the submit tool's result (default: the values). */
  onSubmit?: (values: Record<string, unknown>) => unknown | Promise<unknown>;
}

/**
 * A form for the user to fill in, as an MCP App. `collect_<name>({ prompt, title?, submitText?,
 * default? })` shows it (the model's `default` prefills fields; the text result tells a host
 * without Apps what was asked); the page calls the app-only `submit_<name>({ data })`, which
 * validates the values with the schema (unchecked boxes are `false`) and answers with an error
 * the user sees, or with `onSubmit`'s result.
 *
 * @example
 * ```ts
 * import { FastMCP, FormInput } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "crm" });
 * mcp.addProvider(new FormInput({
 *   name: "contact",
 *   schema: z.object({ name: z.string().describe("Full name"), email: z.string().email(), newsletter: z.boolean() }),
 *   onSubmit: (contact) => `saved ${contact.name}`,
 * }));
 * ```
 */
export class FormInput extends BuiltinApp {
  /** Creates the form's tools and page; see {@link FormInputOptions}. */
  constructor(options: FormInputOptions) {
    const name = options.name ?? "form";
    const schema = compileSchema(options.schema, `FormInput '${name}'`);
    const fields = fieldsOf(schema.jsonSchema, name);
    const uri = `ui://form-input/${name}`;
    const page = appPage("Form", FORM_BODY, FORM_SCRIPT);
    const show = new ToolComponent(`collect_${name}`, {
      description: `Ask the user to fill in a form (${
        fields.map((f) => f.name).join(", ")
      }). After calling this ` +
        "tool, stop and wait for the user to submit it.",
      input: {
        type: "object",
        properties: {
          prompt: { type: "string", description: "What to ask the user" },
          title: { type: "string" },
          submitText: { type: "string" },
          default: { type: "object", description: "Values to prefill, by field name" },
        },
        required: ["prompt"],
      },
      app: { resourceUri: uri, visibility: ["model"] },
      // deno-lint-ignore require-await -- async keeps the handler in the main isolate (no worker pool)
    }, async (args) => {
      const { prompt, title, submitText, default: prefill } = args as {
        prompt: string;
        title?: string;
        submitText?: string;
        default?: JsonObject;
      };
      const known = Object.fromEntries(
        Object.entries(prefill ?? {}).filter(([k]) => fields.some((f) => f.name === k)),
      );
      return {
        prompt,
        title: title ?? options.title ?? "Form",
        submitText: submitText ?? options.submitText ?? "Submit",
        submitTool: `submit_${name}`,
        fields,
        default: known,
      };
    });
    const submit = new ToolComponent(`submit_${name}`, {
      description: "Submit the form's values (called by the form).",
      input: {
        type: "object",
        properties: { data: { type: "object" } },
        required: ["data"],
      },
      app: { resourceUri: uri, visibility: ["app"] },
    }, async (args) => {
      const data = { ...(args as { data: Record<string, unknown> }).data };
      // An unchecked box is not sent by the page: it means false.
      for (const f of fields) if (f.kind === "boolean" && data[f.name] === undefined) data[f.name] = false;
      const checked = await schema.validate(data);
      if (!checked.ok) throw new ToolError(`the form's values are not valid: ${checked.message}`);
      const values = checked.value as Record<string, unknown>;
      return options.onSubmit ? await options.onSubmit(values) : values;
    });
    super([show, submit], [
      new ResourceComponent(uri, { name: `${name} form`, app: { prefersBorder: true } }, () => page.html),
    ], page);
  }
}

/** The fields of an object schema, in order; a property the form cannot render is an error. */
function fieldsOf(schema: CompiledSchema["jsonSchema"], name: string): Field[] {
  if (schema.type !== "object" || typeof schema.properties !== "object") {
    throw new TypeError(`FormInput '${name}': the schema must describe an object with properties`);
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(schema.properties as Record<string, Record<string, unknown>>).map(([key, p]) => {
    const field: Field = {
      name: key,
      label: typeof p.title === "string" ? p.title : key,
      kind: kindOf(p, name, key),
      required: required.has(key),
    };
    if (typeof p.description === "string") field.description = p.description;
    if (Array.isArray(p.enum)) field.options = p.enum.map(String);
    return field;
  });
}

function kindOf(p: Record<string, unknown>, form: string, key: string): Field["kind"] {
  if (Array.isArray(p.enum)) return "select";
  switch (p.type) {
    case "string":
      return p.format === "email"
        ? "email"
        : p.format === "date"
        ? "date"
        : (p.maxLength as number) > 200
        ? "textarea"
        : "text";
    case "number":
    case "integer":
    case "boolean":
      return p.type;
    default:
      throw new TypeError(`FormInput '${form}': field '${key}' is not a string, number, boolean or enum`);
  }
}

const FORM_BODY = `<h1 id="title"></h1>
<p id="prompt"></p>
<form id="form" hidden></form>
<p id="error" class="error" hidden></p>
<p id="done" class="done" hidden>Submitted.</p>`;

/** The form's code, run in the app's frame (see `appPage`). */
const FORM_SCRIPT = `(app) => {
  const byId = (id) => document.getElementById(id);
  return (result) => {
    const spec = result.structuredContent;
    byId("title").textContent = spec.title;
    byId("prompt").textContent = spec.prompt;
    const form = byId("form");
    for (const field of spec.fields) {
      const label = document.createElement("label");
      const caption = document.createElement("span");
      caption.textContent = field.label + (field.required ? " *" : "");
      label.append(caption);
      let input;
      if (field.kind === "select") {
        input = document.createElement("select");
        for (const option of field.options ?? []) {
          const o = document.createElement("option");
          o.value = option;
          o.textContent = option;
          input.append(o);
        }
      } else if (field.kind === "textarea") {
        input = document.createElement("textarea");
      } else {
        input = document.createElement("input");
        input.type = field.kind === "boolean" ? "checkbox" : field.kind === "integer" ? "number" : field.kind;
        if (field.kind === "integer") input.step = "1";
        if (field.kind === "number") input.step = "any";
      }
      input.name = field.name;
      if (field.required && field.kind !== "boolean") input.required = true;
      const value = spec.default[field.name];
      if (value !== undefined) {
        if (input.type === "checkbox") input.checked = value === true;
        else input.value = String(value);
      }
      label.append(input);
      if (field.description) {
        const help = document.createElement("small");
        help.textContent = field.description;
        label.append(help);
      }
      form.append(label);
    }
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = spec.submitText;
    form.append(button);
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = {};
      for (const field of spec.fields) {
        const input = form.elements.namedItem(field.name);
        if (field.kind === "boolean") data[field.name] = input.checked;
        else if (input.value === "") continue;
        else if (field.kind === "number" || field.kind === "integer") data[field.name] = Number(input.value);
        else data[field.name] = input.value;
      }
      button.disabled = true;
      const answer = await app.callTool(spec.submitTool, { data });
      const error = byId("error");
      if (answer.isError) {
        error.textContent = (answer.content ?? []).map((c) => c.text ?? "").join("\\n");
        error.hidden = false;
        button.disabled = false;
      } else {
        error.hidden = true;
        form.hidden = true;
        byId("done").hidden = false;
      }
      app.resized();
    });
    app.resized();
  };
}`;
