/**
 * Every process the benchmark starts goes through here, so that all of them
 * (and their descendants) are gone at the end: on success, on error and on
 * SIGINT/SIGTERM.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { statFields } from '../../src/engine/process/table';
import { alive, descendantPids } from '../../test/helpers/processes';
import { spawnLines } from '../../test/helpers/spawn';
import { sleep } from '../../test/helpers/wait';

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
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the command name).
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS : undefined;
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
  const family = new Set(descendantPids(pid));
  for (const d of family) descendantsSeen.add(d);
  signal(pid, sig);
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) {
    for (const d of descendantPids(pid)) family.add(d);
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
    for (const d of descendantPids(pid)) descendantsSeen.add(d);
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

/**
 * Runs a benchmark script's `main`, then stops every process it started and
 * exits with the code `main` returns (0 without one), or 1 with the stack.
 */
export function runMain(name: string, main: () => Promise<number | void>): void {
  main()
    .then(async (code) => {
      await killAll();
      process.exit(code ?? 0);
    })
    .catch(async (err: Error) => {
      process.stderr.write(`${name} failed: ${err.stack ?? err.message}\n`);
      await killAll();
      process.exit(1);
    });
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

/** Spawns a tracked process whose stdout/stderr lines are collected. */
export function start(command: string, args: string[], options: SpawnOptions = {}): Proc {
  const p = spawnLines(command, args, options);
  const { child } = p;
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  track(pid);
  void p.exited.then(() => untrack(pid));
  return {
    child,
    pid,
    stdout: p.stdout,
    stderr: p.stderr,
    exited: p.exited,
    json: <T>(timeoutMs = 30_000) => p.json<T>(timeoutMs),
    waitForStderr: (pattern, timeoutMs = 30_000) =>
      p.until(() => {
        const i = p.stderr.findIndex((l) => pattern.test(l));
        return i >= 0 ? p.stderrTimes[i] : undefined;
      }, timeoutMs, String(pattern)),
    stop: async (sig = 'SIGTERM', graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await killTree(pid, sig, graceMs);
      await Promise.race([p.exited, sleep(1000)]);
    },
  };
}
