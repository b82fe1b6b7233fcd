/** Where the captured vectors are: `../shared/vectors` beside the project, read by path. */

const ROOT = new URL("../../shared/vectors/", import.meta.url);

let present = false;

/**
 * A URL inside the shared vectors. Throws, naming the folder it looked in,
 * when the project is not checked out beside `../shared`.
 */
export function sharedUrl(path: string): URL {
  if (!present) {
    try {
      Deno.statSync(ROOT);
    } catch {
      throw new Error(
        `the shared vectors are not at ${ROOT.pathname}: check the project out beside ../shared`,
      );
    }
    present = true;
  }
  return new URL(path, ROOT);
}
