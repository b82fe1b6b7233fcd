/** Finding the external tools end-to-end tests need; a missing one fails with what to install. */

/** The path of `name`, or an error saying how to install it. */
export function requireTool(name: string, debianPackage = name): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const path = `${dir}/${name}`;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${name} not found: install it with apt-get install ${debianPackage}`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * How many times slower than native the tests may run: 1, unless TEST_TIME_SCALE says more
 * (the aarch64 run under qemu sets it). Timeouts, and the time the meter under test gets to answer,
 * are multiplied by it; what must happen, and in which order, stays the same.
 */
export const TIME_SCALE: number = timeScale(Deno.env.get("TEST_TIME_SCALE"));

function timeScale(text: string | undefined): number {
  if (text === undefined || text === "") return 1;
  const scale = Number(text);
  if (!(scale >= 1)) {
    throw new RangeError(`TEST_TIME_SCALE must be a number of at least 1, not "${text}"`);
  }
  return scale;
}

/** `ms` milliseconds stretched by {@link TIME_SCALE}. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}

/**
 * Polls `condition` until it holds or `timeoutMs` (stretched by {@link TIME_SCALE}) passes;
 * throws with `what` on timeout.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const limit = scaled(timeoutMs);
  const deadline = Date.now() + limit;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${limit} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
