/** What /proc says about a process: for tests that check who runs, with what argv and environment. */
import { readFileSync } from 'node:fs';
import { statFields } from '../../src/engine/process/table';
import { childPidsOf } from './cli';

/**
 * True while `pid` runs. Unlike `alive`, a zombie counts as gone: here the
 * container's init may never reap orphans, yet a zombie holds nothing.
 */
export function running(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Every process below `pid` that still runs. */
export function descendantPids(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of childPidsOf(queue.shift()!)) {
      if (!running(child)) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

export function cmdlineOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Process group id of `pid`. */
export function pgidOf(pid: number): number {
  return Number(statFields(pid)?.[2]);
}
