/**
 * Killing a worker with everything it started. The engine runs each stdio MCP
 * server in its own process group (so `npx`/`uvx` grandchildren can be reached),
 * which means killing the worker's group misses them: the tree has to be read
 * before anything dies, because orphans are re-parented and lose the trail.
 * No `vscode` import: the supervisor is unit-tested under plain node.
 */
import { execFileSync } from 'node:child_process';
import { processTable, statFields, type ProcEntry } from '../engine/processTable';

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
function ownGroup(): number | undefined {
  if (process.platform === 'linux') {
    const fields = statFields('self');
    return fields ? Number(fields[2]) : undefined;
  }
  return processTable().find((p) => p.pid === process.pid)?.pgid;
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * SIGKILLs `pid`, every descendant, and every process group a descendant
 * leads or belongs to (other than ours). On Windows, `taskkill /T` walks the
 * tree itself.
 */
export function killProcessTree(pid: number): void {
  if (process.platform === 'win32') {
    try {
      execFileSync('taskkill', ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore', timeout: 10_000, windowsHide: true });
    } catch {
      signal(pid, 'SIGKILL');
    }
    return;
  }
  const descendants = descendantsOf(pid);
  const mine = ownGroup();
  const groups = new Set<number>();
  for (const d of descendants) {
    if (d.pgid > 1 && d.pgid !== mine) groups.add(d.pgid);
  }
  // Stop the worker first so it cannot start replacements for what we kill next.
  signal(pid, 'SIGKILL');
  for (const pgid of groups) signal(-pgid, 'SIGKILL');
  for (const d of descendants) signal(d.pid, 'SIGKILL');
}

/**
 * Identity of a process that survives pid reuse: its start time (Linux), or
 * '' where it cannot be read.
 */
export function processStartTime(pid: number): string {
  return process.platform === 'linux' ? (statFields(pid)?.[19] ?? '') : '';
}

/**
 * SIGKILLs the process group led by `pgid` if that leader is still the
 * process we saw (same start time), or if the leader is gone but the group
 * lives on: the kernel does not reuse a group's id while any member remains.
 */
export function killGroupIfOurs(pgid: number, startTime: string): void {
  // Windows has no groups and no start time here: with pids reused quickly, guessing could kill a stranger.
  if (process.platform === 'win32' || pgid <= 1 || pgid === ownGroup()) return;
  const now = processStartTime(pgid);
  if (now !== '' && startTime !== '' && now !== startTime) return;
  signal(-pgid, 'SIGKILL');
}
