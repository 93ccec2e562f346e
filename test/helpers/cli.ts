/** Runs the built `mcp-tunnel` CLI as a user would, and reads what it prints. */
import type { ChildProcess } from 'node:child_process';
import { CLI } from './everything';
import { childPidsOf } from './processes';
import { spawnLines, userEnv } from './spawn';
import { sleep } from './wait';

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
  const p = spawnLines(process.execPath, [CLI, ...args], { env: userEnv(env) });
  return {
    child: p.child,
    stdout: p.stdout,
    stderr: p.stderr,
    json: <T>(timeoutMs?: number) => p.json<T>(timeoutMs),
    waitForLog: (pattern, timeoutMs = 20_000) => p.until(() => p.stderr.find((l) => pattern.test(l)), timeoutMs, String(pattern)),
    exited: () => p.exited,
    childPids: () => childPidsOf(p.child.pid!),
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
    await sleep(20);
    return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n'), timedOut };
  });
}
