/**
 * The process table, read without spawning anything on Linux. Used to find a
 * process's descendants and whether a process group still has members.
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
