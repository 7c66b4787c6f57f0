/**
 * An app's page from a folder: the entry HTML with the folder's scripts, stylesheets and images
 * it refers to written into it, so that the host receives one self-contained document (a host
 * loads nothing from the server's origin unless `_meta.ui.csp` lists it). The HTML is parsed
 * with parse5 (loaded only here), not matched with patterns.
 *
 * @module
 */

import { toBase64 } from "../components/content.ts";

/**
 * Options of {@link bundleApp}.
 *
 * @example
 * ```ts
 * import type { BundleAppOptions } from "@denomcp/denomcp";
 * const options: BundleAppOptions = { entry: "app.html" };
 * ```
 */
export interface BundleAppOptions {
  /** The HTML file within the folder. Default `index.html`. */
  entry?: string;
}

type Node = {
  nodeName: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  value?: string;
  parentNode?: Node;
};

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  webp: "image/webp",
};

/**
 * The page of an app from a folder, as one document: `<script src>` and
 * `<link rel="stylesheet" href>` that name files of the folder become inline `<script>` and
 * `<style>`, and `<img src>` of its images become `data:` URLs. URLs elsewhere stay as they are
 * (list their origins in the resource's `app.csp.resourceDomains`). A path that leaves the
 * folder, or a file that is missing, is an error naming it. Imports inside scripts are not
 * followed: bundle an app's modules into one script first (`deno bundle`, esbuild). Needs
 * `--allow-read` for the folder.
 *
 * @example
 * ```ts ignore
 * import { bundleApp, FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "dashboards" });
 * const html = await bundleApp("./ui/dashboard");
 * mcp.resource("ui://dashboards/main", { app: { prefersBorder: true } }, () => html);
 * ```
 */
export async function bundleApp(folder: string | URL, options: BundleAppOptions = {}): Promise<string> {
  const root = await Deno.realPath(folder);
  const entry = options.entry ?? "index.html";
  const read = async (path: string): Promise<Uint8Array> => {
    const clean = path.split(/[?#]/)[0];
    let real: string;
    try {
      real = await Deno.realPath(`${root}/${decodeURIComponent(clean)}`);
    } catch {
      throw new Error(`app folder ${root}: '${path}' is not a file of the folder`);
    }
    if (!real.startsWith(root + "/") && !real.startsWith(root + "\\")) {
      throw new Error(`app folder ${root}: '${path}' leads outside the folder`);
    }
    return await Deno.readFile(real);
  };
  const { parse, serialize } = await import("parse5");
  const document = parse(new TextDecoder().decode(await read(entry))) as unknown as Node;
  const local = (url: string) => !/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(url) && !url.startsWith("/");
  const attr = (node: Node, name: string) => node.attrs?.find((a) => a.name === name);
  const text = (value: string): Node => ({ nodeName: "#text", value });
  const walk = async (node: Node): Promise<void> => {
    for (const child of [...node.childNodes ?? []]) await walk(child);
    const src = attr(node, "src");
    if (node.nodeName === "script" && src && local(src.value)) {
      // A script's text ends at the first "</script": one inside the code must not end it.
      const code = new TextDecoder().decode(await read(src.value)).replaceAll("</script", "<\\/script");
      node.attrs = node.attrs!.filter((a) => a !== src);
      node.childNodes = [text(code)];
    } else if (node.nodeName === "img" && src && local(src.value)) {
      const type = IMAGE_TYPES[src.value.split(".").at(-1)?.toLowerCase() ?? ""] ??
        "application/octet-stream";
      src.value = `data:${type};base64,${toBase64(await read(src.value))}`;
    } else if (node.nodeName === "link" && /\bstylesheet\b/i.test(attr(node, "rel")?.value ?? "")) {
      const href = attr(node, "href");
      if (href && local(href.value)) {
        const css = new TextDecoder().decode(await read(href.value)).replaceAll("</style", "<\\/style");
        node.nodeName = "style";
        (node as { tagName?: string }).tagName = "style";
        node.attrs = node.attrs!.filter((a) => a.name === "media");
        node.childNodes = [text(css)];
      }
    }
    for (const child of node.childNodes ?? []) child.parentNode = node;
  };
  await walk(document);
  return serialize(document as never);
}
