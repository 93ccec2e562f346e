/**
 * The process table, read without spawning anything on Linux. Stdio MCP
 * servers run in their own process groups and leave grandchildren behind
 * (`npx` → node), so whoever stops them has to see the whole tree and every
 * group, not just the pid it spawned.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
}

/** Fields of /proc/<pid>/stat after the command name, which is in parentheses and may hold spaces. */
export function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // [0] state, [1] ppid, [2] pgrp, … [19] starttime
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Living processes (zombies left out): /proc on Linux, `ps` elsewhere. */
export function processTable(): ProcEntry[] {
  if (process.platform === 'linux') {
    const out: ProcEntry[] = [];
    for (const name of readdirSync('/proc')) {
      if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
      const fields = statFields(Number(name));
      // Zombies hold nothing and cannot be killed again.
      if (fields && fields[0] !== 'Z' && fields[0] !== 'X') out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    }
    return out;
  }
  try {
    const text = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid='], { encoding: 'utf8', timeout: 5000 });
    return text
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter((f) => f.length === 3 && f.every((n) => Number.isInteger(n) && n > 0))
      .map(([pid, ppid, pgid]) => ({ pid: pid!, ppid: ppid!, pgid: pgid! }));
  } catch {
    return [];
  }
}

/** Every living process below `pid`, children before grandchildren. */
export function descendantsOf(pid: number, table: ProcEntry[] = processTable()): ProcEntry[] {
  const byParent = new Map<number, ProcEntry[]>();
  for (const entry of table) {
    const siblings = byParent.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else byParent.set(entry.ppid, [entry]);
  }
  const out: ProcEntry[] = [];
  const queue = [pid];
  const seen = new Set<number>([pid]);
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Our own process group: never signalled as a group, or we would kill the editor (or mocha). */
export function ownGroup(): number | undefined {
  if (process.platform === 'linux') {
    const fields = statFields('self');
    return fields ? Number(fields[2]) : undefined;
  }
  return processTable().find((p) => p.pid === process.pid)?.pgid;
}

/**
 * Identity of a process that survives pid reuse: its start time (Linux), or
 * '' where it cannot be read.
 */
export function processStartTime(pid: number): string {
  return process.platform === 'linux' ? (statFields(pid)?.[19] ?? '') : '';
}
