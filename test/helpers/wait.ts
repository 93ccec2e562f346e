/**
 * Waiting for a condition, for the tests, the benchmark and the real-editor
 * suite alike: every poll loop of them is this one, so a timeout reads the
 * same everywhere and names what never happened.
 */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it holds; false once `timeoutMs` has passed without it. */
export async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Polls `check` until it holds; throws naming `what` once `timeoutMs` has passed without it. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition', intervalMs = 20): Promise<void> {
  if (!(await pollUntil(check, timeoutMs, intervalMs))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
