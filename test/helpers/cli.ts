/** Runs the built `mcp-tunnel` CLI as a user would, and reads what it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { processTable } from '../../src/engine/process/table';
import { createInterface } from 'node:readline';
import { CLI } from './everything';

export interface CliProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line that parses as JSON. */
  json<T = Record<string, string>>(timeoutMs?: number): Promise<T>;
  /** Resolves when a stderr line matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited(): Promise<number | null>;
  /** Pids of the processes this CLI started directly. */
  childPids(): number[];
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  createInterface({ input: child.stdout! }).on('line', (l) => (stdout.push(l), notify()));
  createInterface({ input: child.stderr! }).on('line', (l) => (stderr.push(l), notify()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}; stderr:\n${stderr.join('\n')}`));
      }, timeoutMs);
      listeners.add(check);
      void exit.then(() => setTimeout(() => {
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`CLI exited (${child.exitCode}) before ${what}; stderr:\n${stderr.join('\n')}`));
        }
      }, 50));
      check();
    });
  }
  return {
    child,
    stdout,
    stderr,
    json: <T>(timeoutMs = 20_000) =>
      until(() => {
        for (const line of stdout) {
          if (line.startsWith('{')) return JSON.parse(line) as T;
        }
        return undefined;
      }, timeoutMs, 'a JSON line'),
    waitForLog: (pattern, timeoutMs = 20_000) => until(() => stderr.find((l) => pattern.test(l)), timeoutMs, String(pattern)),
    exited: () => exit,
    childPids: () => childPidsOf(child.pid!),
  };
}

/**
 * Runs the CLI to completion. A CLI still running after `timeoutMs` is killed
 * and reported with `timedOut`, so a test of "it ends" fails instead of hanging.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const p = startCli(args, env);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.child.kill('SIGKILL');
  }, timeoutMs);
  return p.exited().then(async (code) => {
    clearTimeout(timer);
    await new Promise((r) => setTimeout(r, 20));
    return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n'), timedOut };
  });
}

/** Pids whose parent is `pid` (zombies left out). */
export function childPidsOf(pid: number): number[] {
  return processTable()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}
