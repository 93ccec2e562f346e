/**
 * Heap sizing for the processes that run a tunnel for hours. V8's defaults
 * suit short jobs: under a steady load of small commands they let the heap
 * grow to several times what is live (young generation up to 32 MB, the old
 * generation re-sized far above the last mark-compact) before collecting.
 * A smaller young generation and a tighter old-generation growth factor keep
 * the tunnel near its live size for a few percent more GC time.
 */
import { setFlagsFromString } from 'node:v8';

/** How much the old generation may grow above its live size before the next full collection (V8's default is a dynamic factor, 1.1 to 4). */
export const HEAP_GROWING_PERCENT = 20;
/** Each of the young generation's two semi-spaces, at most (V8's default is 16 MB). */
export const SEMI_SPACE_MB = 4;

/** Node options for a forked tunnel worker; options given after them (the caller's own) win. */
export function workerHeapFlags(): string[] {
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`];
}

/**
 * For this process (the CLI's long-running commands): only the growth factor
 * can change once the heap exists. Left alone when the operator chose heap
 * options of their own (node flags or NODE_OPTIONS).
 */
export function tuneOwnHeap(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (given.some((a) => a.startsWith('--heap-growing-percent'))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
