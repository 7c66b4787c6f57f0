/**
 * `Approval` and `Choice`: apps that put a decision to the user and send it to the conversation
 * as the user's message (`"<question>" — I selected: <answer>`), FastMCP's wording, so the model
 * reads the answer where it reads everything the user says.
 *
 * @module
 */

import { ResourceComponent } from "../../components/resource.ts";
import { ToolComponent } from "../../components/tool.ts";
import { BuiltinApp } from "./builtin_app.ts";
import { appPage } from "./page.ts";

const BODY = `<h1 id="title"></h1>
<p id="question"></p>
<p id="details" hidden></p>
<div id="buttons"></div>
<p id="done" class="done" hidden>Response sent.</p>`;

/** Shows the question and one button per answer; a click sends the answer as the user's message. */
const SCRIPT = `(app) => (result) => {
  const spec = result.structuredContent;
  const byId = (id) => document.getElementById(id);
  byId("title").textContent = spec.title;
  byId("question").textContent = spec.question;
  if (spec.details) {
    byId("details").textContent = spec.details;
    byId("details").hidden = false;
  }
  const buttons = byId("buttons");
  buttons.replaceChildren();
  for (const answer of spec.answers) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = answer;
    button.addEventListener("click", async () => {
      for (const b of buttons.querySelectorAll("button")) b.disabled = true;
      await app.sendMessage(JSON.stringify(spec.question) + " \\u2014 I selected: " + answer);
      buttons.hidden = true;
      byId("done").hidden = false;
      app.resized();
    });
    buttons.append(button);
  }
  app.resized();
}`;

const PAGE = appPage("Decision", BODY, SCRIPT);

/** One app page serves both decisions; each gets its own ui:// URI (a host caches by URI). */
function decisionPage(uri: string, name: string): ResourceComponent {
  return new ResourceComponent(uri, { name, app: { prefersBorder: true } }, () => PAGE.html);
}

const STOP = "After calling this tool, stop and wait for the user's answer, which arrives as their message " +
  '("… — I selected: …").';

/**
 * Asks the user to approve or reject something: `request_approval({ summary, details?, title?,
 * approveText?, rejectText? })` shows it; the user's click comes back as their message.
 *
 * @example
 * ```ts
 * import { Approval, FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "ops" });
 * mcp.addProvider(new Approval());
 * ```
 */
export class Approval extends BuiltinApp {
  /** Creates the app; `name` renames its tool (default `request_approval`). */
  constructor(options: { name?: string } = {}) {
    const name = options.name ?? "request_approval";
    const uri = `ui://approval/${name}`;
    const tool = new ToolComponent(name, {
      description: `Ask the user to approve or reject an action. ${STOP}`,
      input: {
        type: "object",
        properties: {
          summary: { type: "string", description: "What is to be approved" },
          details: { type: "string" },
          title: { type: "string" },
          approveText: { type: "string" },
          rejectText: { type: "string" },
        },
        required: ["summary"],
      },
      app: { resourceUri: uri, visibility: ["model"] },
    }, async (args) => {
      const a = args as {
        summary: string;
        details?: string;
        title?: string;
        approveText?: string;
        rejectText?: string;
      };
      return await Promise.resolve({
        title: a.title ?? "Approval required",
        question: a.summary,
        details: a.details ?? "",
        answers: [a.approveText ?? "Approve", a.rejectText ?? "Reject"],
      });
    });
    super([tool], [decisionPage(uri, name)], PAGE);
  }
}

/**
 * Asks the user to pick one of several options: `choose({ prompt, options, title? })` shows them;
 * the pick comes back as the user's message.
 *
 * @example
 * ```ts
 * import { Choice, FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "travel" });
 * mcp.addProvider(new Choice());
 * ```
 */
export class Choice extends BuiltinApp {
  /** Creates the app; `name` renames its tool (default `choose`). */
  constructor(options: { name?: string } = {}) {
    const name = options.name ?? "choose";
    const uri = `ui://choice/${name}`;
    const tool = new ToolComponent(name, {
      description: `Ask the user to pick one of several options. ${STOP}`,
      input: {
        type: "object",
        properties: {
          prompt: { type: "string", description: "The question" },
          options: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 20 },
          title: { type: "string" },
        },
        required: ["prompt", "options"],
      },
      app: { resourceUri: uri, visibility: ["model"] },
    }, async (args) => {
      const a = args as { prompt: string; options: string[]; title?: string };
      return await Promise.resolve({
        title: a.title ?? "Choose an option",
        question: a.prompt,
        details: "",
        answers: a.options,
      });
    });
    super([tool], [decisionPage(uri, name)], PAGE);
  }
}
