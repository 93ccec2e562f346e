/**
 * A child process whose output is kept line by line, and waits on what it
 * prints: the CLI under test and every process the benchmark starts are
 * driven through this, so a wait that fails says the same thing everywhere
 * and shows what the process wrote.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The environment a user's shell gives a program: PATH and HOME, plus what the caller adds. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

export interface LineProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** performance.now() when each stderr line arrived, index for index. */
  stderrTimes: number[];
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /**
   * Resolves with what `find` returns once it is not undefined, checked at
   * every new line; rejects when the process exits first or after `timeoutMs`.
   */
  until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T>;
  /** Resolves with the first stdout line that parses as a JSON object. */
  json<T>(timeoutMs?: number): Promise<T>;
}

/** How many lines of stderr a failed wait quotes. */
const QUOTED_LINES = 40;

export function spawnLines(command: string, args: string[], options: SpawnOptions = {}): LineProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stderrTimes: number[] = [];
  const listeners = new Set<() => void>();
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
  const name = [command, ...args].join(' ');
  const quoted = () => stderr.slice(-QUOTED_LINES).join('\n');

  function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        listeners.delete(check);
        clearTimeout(timer);
        outcome();
      };
      const check = () => {
        const found = find();
        if (found !== undefined) settle(() => resolve(found));
      };
      const timer = setTimeout(() => settle(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${name}; stderr:\n${quoted()}`))), timeoutMs);
      listeners.add(check);
      // The last lines may still be on their way when the exit is reported.
      void exited.then(() =>
        setTimeout(() => {
          if (listeners.has(check)) settle(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr:\n${quoted()}`)));
        }, 50),
      );
      check();
    });
  }

  return {
    child,
    stdout,
    stderr,
    stderrTimes,
    exited,
    until,
    json: <T>(timeoutMs = 20_000) =>
      until(() => {
        for (const line of stdout) if (line.startsWith('{')) return JSON.parse(line) as T;
        return undefined;
      }, timeoutMs, 'a JSON line on stdout'),
  };
}
