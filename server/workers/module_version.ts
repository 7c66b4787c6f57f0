/**
 * Versioned module URLs: a module a `FileSystemProvider` loads is imported as
 * `tools.ts?sha256=<digest of its text>`, so that an edited module is a new module to Deno, and
 * a pool worker, which imports the URL later and reads the file then, can tell whether the file
 * still holds the text the server loaded.
 *
 * @module
 */

const PARAM = "sha256";
/** Hex digits of the digest kept in the URL: enough to tell versions of one file apart. */
const KEPT = 16;

/** The SHA-256 of a file, in hex; undefined when the file is gone. */
export async function digestOf(file: URL): Promise<string | undefined> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The URL to import the version of `file` whose text has `digest`. */
export function versionedUrl(file: URL, digest: string): string {
  return `${file.href}?${PARAM}=${digest.slice(0, KEPT)}`;
}

/**
 * Why a versioned module URL no longer names what its file holds (the file was edited since the
 * server loaded it), or undefined when it still does or the URL is not versioned.
 */
export async function staleVersion(url: string): Promise<string | undefined> {
  const parsed = new URL(url);
  const wanted = parsed.searchParams.get(PARAM);
  if (parsed.protocol !== "file:" || wanted === null) return undefined;
  parsed.search = "";
  const digest = await digestOf(parsed);
  return digest?.slice(0, KEPT) === wanted ? undefined : `${parsed.href} changed since the server loaded it`;
}
