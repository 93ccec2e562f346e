/**
 * What /proc says about processes: for the tests, the benchmark and the
 * real-editor suite, which all check who runs, with what argv and
 * environment, and that nothing they started is left behind.
 */
import { readFileSync } from 'node:fs';
import { processTable, statFields, type ProcEntry } from '../../src/engine/process/table';

/** True while a process with this pid exists, a zombie included (signal 0 reaches it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while `pid` runs. Unlike `alive`, a zombie counts as gone: here the
 * container's init may never reap orphans, yet a zombie holds nothing.
 */
export function running(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/**
 * When `pid` started, in clock ticks since boot: tells a process apart from a
 * later one that reuses its pid. Undefined once it is gone.
 */
export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Pids whose parent is `pid` (zombies left out). */
export function childPidsOf(pid: number, table: ProcEntry[] = processTable()): number[] {
  return table.filter((p) => p.ppid === pid).map((p) => p.pid);
}

/** Every process below `pid` that still runs, nearest first, from one reading of the process table. */
export function descendantPids(pid: number, table: ProcEntry[] = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const child = queue.shift()!;
    out.push(child);
    queue.push(...(children.get(child) ?? []));
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
