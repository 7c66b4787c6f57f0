/**
 * RFC 6570 URI templates, matched in reverse: given a concrete URI, recover the variables.
 * Supports every operator (`{x}`, `{+x}`, `{#x}`, `{.x}`, `{/x}`, `{;x}`, `{?x,y}`, `{&x}`),
 * explode (`{path*}` matches across `/`), hyphenated names and blank query values.
 *
 * @module
 */

interface Expression {
  operator: string;
  names: { name: string; explode: boolean }[];
}

/**
 * A template compiled to a matcher. Internal: exported only because
 * `TemplateComponent.matcher` exposes it; not a stable API.
 */
export interface UriTemplateMatcher {
  /** Variable names in order of appearance. */
  readonly variables: string[];
  /** The variables of `uri`, or undefined when it does not match. */
  match(uri: string): Record<string, string> | undefined;
}

const EXPRESSION = /\{([+#./;?&]?)([A-Za-z0-9_.%\-]+\*?(?:,[A-Za-z0-9_.%\-]+\*?)*)\}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** True when `uri` contains a template expression. */
export function isUriTemplate(uri: string): boolean {
  return /\{[^}]+\}/.test(uri);
}

/** Compiles a template. Throws a TypeError naming the problem for malformed templates. */
export function compileUriTemplate(template: string): UriTemplateMatcher {
  const variables: string[] = [];
  const queryNames: string[] = [];
  let pattern = "^";
  let last = 0;
  const groups: { name: string; operator: string; explode: boolean }[] = [];
  for (const m of template.matchAll(EXPRESSION)) {
    pattern += escapeRegExp(template.slice(last, m.index));
    last = m.index! + m[0].length;
    const expr: Expression = {
      operator: m[1],
      names: m[2].split(",").map((n) => ({ name: n.replace(/\*$/, ""), explode: n.endsWith("*") })),
    };
    for (const { name } of expr.names) {
      if (variables.includes(name)) {
        throw new TypeError(`URI template ${template}: variable '${name}' appears twice`);
      }
      variables.push(name);
    }
    if (expr.operator === "?" || expr.operator === "&") {
      queryNames.push(...expr.names.map((n) => n.name));
      continue;
    }
    pattern += expressionPattern(expr, groups);
  }
  const tail = template.slice(last);
  if (/[{}]/.test(tail) || /[{}]/.test(template.replace(EXPRESSION, ""))) {
    throw new TypeError(`URI template ${template}: unbalanced or invalid expression`);
  }
  pattern += escapeRegExp(tail);
  const hasQuery = queryNames.length > 0;
  if (hasQuery) pattern += "(?:\\?.*)?";
  const regex = new RegExp(pattern + "$");

  return {
    variables,
    match(uri) {
      const m = regex.exec(uri);
      if (!m) return undefined;
      const out: Record<string, string> = {};
      groups.forEach((g, i) => {
        const raw = m[i + 1];
        if (raw === undefined) return;
        out[g.name] = g.operator === "+" || g.operator === "#" || g.explode
          ? decodeReserved(raw)
          : decode(raw);
      });
      if (hasQuery) {
        const q = uri.indexOf("?");
        if (q !== -1) {
          const params = new URLSearchParams(uri.slice(q + 1));
          for (const name of queryNames) {
            const value = params.get(name);
            if (value !== null) out[name] = value; // blank values (`?a=`) are kept as ""
          }
        }
      }
      return out;
    },
  };
}

/** Reserved expansions keep `/` and friends, so only percent-escapes are decoded. */
function decodeReserved(value: string): string {
  return value.replace(/(%[0-9A-Fa-f]{2})+/g, (seq) => decode(seq));
}

function expressionPattern(
  expr: Expression,
  groups: { name: string; operator: string; explode: boolean }[],
): string {
  const { operator } = expr;
  const parts = expr.names.map(({ name, explode }) => {
    groups.push({ name, operator, explode });
    if (operator === "+" || operator === "#" || explode) return "(.*?)";
    if (operator === ";") return `${escapeRegExp(name)}=?([^;/?#]*)`;
    return "([^/?#,]*)";
  });
  const separator = operator === "/" ? "/" : operator === "." ? "\\." : operator === ";" ? ";" : ",";
  const body = parts.join(separator);
  switch (operator) {
    case "/":
      return `(?:/${body})?`;
    case ".":
      return `(?:\\.${body})?`;
    case ";":
      return `(?:;${body})?`;
    case "#":
      return `(?:#${body})?`;
    default:
      return body;
  }
}
