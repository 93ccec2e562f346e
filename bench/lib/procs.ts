/**
 * Every process the benchmark starts goes through here, so that all of them
 * (and their descendants) are gone at the end: on success, on error and on
 * SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const tracked = new Set<number>();
/** Descendants seen while a tracked process ran (they may be re-parented later). */
const descendantsSeen = new Set<number>();

/** Remember a pid the benchmark started by other means (e.g. StdioClientTransport). */
export function track(pid: number | undefined): void {
  if (pid === undefined) return;
  // Even a script that installed no signal handlers kills what it started when it exits.
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killAllSync);
  }
  tracked.add(pid);
}
let exitHookInstalled = false;

export function untrack(pid: number | undefined): void {
  if (pid !== undefined) tracked.delete(pid);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ppidOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4 (ppid) follows the command name, which is in parentheses and may hold spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Pids of all descendants of `root` (children, grandchildren, …), read from /proc. */
export function descendantsOf(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = ppidOf(pid);
    if (ppid === undefined) continue;
    let list = parents.get(ppid);
    if (!list) parents.set(ppid, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    for (const child of parents.get(pid) ?? []) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

/** VmRSS of a process in bytes, or undefined when it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; undefined when gone. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the command name).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** Busy CPU time (ms) of the whole machine so far, all cores, from /proc/stat (everything but idle and iowait). */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0);
  return (busy * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux that Node supports. */
const CLOCK_TICKS = 100;

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Stops a process and everything below it: `sig` to the root first (so it can
 * shut down its own children), then SIGKILL to whatever is left after `graceMs`.
 */
export async function killTree(pid: number, sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  const family = new Set(descendantsOf(pid));
  for (const d of family) descendantsSeen.add(d);
  signal(pid, sig);
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) {
    for (const d of descendantsOf(pid)) family.add(d);
    await sleep(10);
  }
  signal(pid, 'SIGKILL');
  for (const d of family) signal(d, 'SIGKILL');
  for (const d of family) descendantsSeen.delete(d);
  tracked.delete(pid);
}

/** Last resort, synchronous: SIGKILL every tracked process and every descendant we know of. */
function killAllSync(): void {
  for (const pid of tracked) {
    for (const d of descendantsOf(pid)) descendantsSeen.add(d);
  }
  for (const pid of tracked) signal(pid, 'SIGKILL');
  for (const pid of descendantsSeen) signal(pid, 'SIGKILL');
  tracked.clear();
  descendantsSeen.clear();
}

export async function killAll(): Promise<void> {
  await Promise.all([...tracked].map((pid) => killTree(pid, 'SIGTERM', 3000)));
  killAllSync();
}

let handlersInstalled = false;
/** On SIGINT/SIGTERM: stop everything, then exit 130/143. On any exit: SIGKILL leftovers. */
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${sig}, stopping every process it started…\n`);
    const code = sig === 'SIGINT' ? 130 : 143;
    const hard = setTimeout(() => {
      killAllSync();
      process.exit(code);
    }, 4000);
    hard.unref();
    void killAll().finally(() => process.exit(code));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killAllSync);
  }
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line that parses as a JSON object. */
  json<T>(timeoutMs?: number): Promise<T>;
  /** Resolves with the time (performance.now()) the first matching stderr line arrived. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<number>;
  exited: Promise<number | null>;
  stop(sig?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Spawns a tracked process whose stdout/stderr lines are collected. */
export function start(command: string, args: string[], options: SpawnOptions = {}): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  track(pid);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const stderrTimes: number[] = [];
  const notify = () => listeners.forEach((l) => l());
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => (stdout.push(l), notify()));
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (l) => {
      stderr.push(l);
      stderrTimes.push(performance.now());
      notify();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => {
    untrack(pid);
    notify();
  });
  function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr:\n${stderr.slice(-20).join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${command} ${args.join(' ')}; stderr:\n${stderr.slice(-20).join('\n')}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  }
  return {
    child,
    pid,
    stdout,
    stderr,
    exited,
    json: <T>(timeoutMs = 30_000) =>
      until(() => {
        for (const line of stdout) if (line.startsWith('{')) return JSON.parse(line) as T;
        return undefined;
      }, timeoutMs, 'a JSON line on stdout'),
    waitForStderr: (pattern, timeoutMs = 30_000) =>
      until(() => {
        const i = stderr.findIndex((l) => pattern.test(l));
        return i >= 0 ? stderrTimes[i] : undefined;
      }, timeoutMs, String(pattern)),
    stop: async (sig = 'SIGTERM', graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await killTree(pid, sig, graceMs);
      await Promise.race([exited, sleep(1000)]);
    },
  };
}
