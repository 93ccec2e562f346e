/**
 * Ending processes with everything they started. A stdio MCP server gets its
 * own process group so that `npx`/`uvx` grandchildren can be reached; the
 * editor, which kills a worker, has to walk the tree instead, because the
 * servers' groups are not the worker's. Both read the one process table in
 * `./table`.
 */
import { execFileSync } from 'node:child_process';
import { sleep } from '../backoff';
import { descendantsOf, ownGroup, processStartTime, processTable } from './table';

/** Sends `sig` to a pid (negative: a process group), ignoring one that is already gone. */
export function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/** Signals the group led by `pid` (on Windows, which has no groups, the process itself). */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  signal(process.platform === 'win32' ? pid : -pid, sig);
}

/**
 * True while any process of the group is alive. Zombies do not count: in a
 * container whose init does not reap, orphaned grandchildren stay zombies
 * forever, yet they hold nothing and run nothing.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // A group whose members are all zombies holds nothing: it counts as gone.
  return processTable().some((p) => p.pgid === pgid);
}

/** Process groups to kill if this process exits without stopping them. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Remembers a group this process started, so that its own exit takes the group along. */
export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

/** The group is gone, or no longer ours to clean up. */
export function forgetGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/**
 * The leader of `pgid` is gone, but processes it left behind may share its
 * group: SIGTERM them, give them `termMs` (never past `deadline`, ms since
 * epoch), then SIGKILL and wait up to a second more. The group is forgotten
 * afterwards.
 */
export async function endGroup(pgid: number, deadline: number, termMs: number): Promise<void> {
  if (groupAlive(pgid)) {
    signalGroup(pgid, 'SIGTERM');
    const termUntil = Math.min(deadline, Date.now() + termMs);
    while (groupAlive(pgid) && Date.now() < termUntil) await sleep(20);
    if (groupAlive(pgid)) {
      signalGroup(pgid, 'SIGKILL');
      const killUntil = Date.now() + 1000;
      while (groupAlive(pgid) && Date.now() < killUntil) await sleep(10);
    }
  }
  forgetGroup(pgid);
}

/**
 * SIGKILLs `pid`, every descendant, and every process group a descendant
 * leads or belongs to (other than ours). The tree is read before anything
 * dies, because orphans are re-parented and lose the trail. On Windows,
 * `taskkill /T` walks the tree itself.
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
  // Stop the parent first so it cannot start replacements for what we kill next.
  signal(pid, 'SIGKILL');
  for (const pgid of groups) signal(-pgid, 'SIGKILL');
  for (const d of descendants) signal(d.pid, 'SIGKILL');
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
