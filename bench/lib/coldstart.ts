/**
 * Cold start to ready:
 *  (a) `mcp-tunnel run` (env vars) against an already-running `mcp-tunnel relay`:
 *      spawn → the "tunnel ready" log line, and spawn → /readyz 200;
 *  (b) the extension's worker: fork dist/worker.js, send `start`, → the first
 *      `state` message whose status.state is 'ready'.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineConfig } from '../../src/engine/config';
import type { HostMessage, WorkerMessage } from '../../src/worker/ipc';
import { engineConfigFor } from '../../test/helpers/config';
import { CLI, everythingStdioTarget, WORKER } from '../../test/helpers/everything';
import { userEnv } from '../../test/helpers/spawn';
import { sleep } from '../../test/helpers/wait';
import { everythingCommand } from './paths';
import { killTree, start, track, untrack, type Proc } from './procs';

export interface RelayInfo {
  mcp_url: string;
  control_plane_base_url: string;
  tunnel_id: string;
  api_key: string;
  front_door_token?: string;
}

export async function startRelay(): Promise<{ proc: Proc; info: RelayInfo }> {
  const proc = start(process.execPath, [CLI, 'relay', '--print-json'], { env: userEnv() });
  try {
    return { proc, info: await proc.json<RelayInfo>(20_000) };
  } catch (err) {
    await proc.stop('SIGKILL', 0);
    throw err;
  }
}

function readyzStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

export interface CliColdStart {
  /** spawn → stderr line containing "tunnel ready" (ms). */
  readyLogMs: number;
  /** spawn → first /readyz 200 (ms), polled every 2 ms once HEALTH_URL_FILE exists. */
  readyzMs: number;
}

export async function cliColdStart(relay: RelayInfo): Promise<CliColdStart> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bench-'));
  const urlFile = join(dir, 'health.url');
  const t0 = performance.now();
  const proc = start(process.execPath, [CLI, 'run'], {
    env: userEnv({
      CONTROL_PLANE_BASE_URL: relay.control_plane_base_url,
      CONTROL_PLANE_TUNNEL_ID: relay.tunnel_id,
      CONTROL_PLANE_API_KEY: relay.api_key,
      MCP_COMMAND: everythingCommand(),
      HEALTH_LISTEN_ADDR: '127.0.0.1:0',
      HEALTH_URL_FILE: urlFile,
      LOG_LEVEL: 'info',
    }),
  });
  try {
    const readyLog = proc.waitForStderr(/tunnel ready/, 30_000);
    const readyz = (async () => {
      const deadline = Date.now() + 30_000;
      let url: string | undefined;
      while (Date.now() < deadline) {
        if (proc.child.exitCode !== null) throw new Error(`mcp-tunnel run exited (${proc.child.exitCode}); stderr:\n${proc.stderr.join('\n')}`);
        if (url === undefined && existsSync(urlFile)) {
          const text = readFileSync(urlFile, 'utf8').trim();
          if (text) url = text;
        }
        if (url !== undefined && (await readyzStatus(url)) === 200) return performance.now();
        await sleep(2);
      }
      throw new Error('/readyz did not turn 200 within 30 s');
    })();
    const [logAt, readyzAt] = await Promise.all([readyLog, readyz]);
    return { readyLogMs: logAt - t0, readyzMs: readyzAt - t0 };
  } finally {
    await proc.stop('SIGTERM', 6000);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface WorkerColdStart {
  /** fork → 'started' message (ms). */
  startedMs: number;
  /** fork → first 'state' with status.state === 'ready' (ms). */
  readyMs: number;
}

/** As a profile with the defaults would run it: the 30 s long poll, server-everything over stdio. */
export function workerConfig(relay: RelayInfo): EngineConfig {
  return engineConfigFor(
    { url: relay.control_plane_base_url, tunnelId: relay.tunnel_id, apiKey: relay.api_key },
    everythingStdioTarget(),
    { pollTimeoutMs: 30_000, maxTraceEntries: 1000 },
  );
}

export async function workerColdStart(relay: RelayInfo): Promise<WorkerColdStart> {
  const t0 = performance.now();
  // execArgv: [] so the worker does not inherit this process's tsx loader flags.
  const child = fork(WORKER, [], { env: userEnv(), execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  track(child.pid);
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const result = await new Promise<WorkerColdStart>((resolve, reject) => {
      let startedMs = NaN;
      const timer = setTimeout(() => reject(new Error(`worker not ready within 30 s; stderr:\n${stderr.join('')}`)), 30_000);
      child.on('message', (raw) => {
        const message = raw as WorkerMessage;
        const now = performance.now();
        if (message.type === 'started') startedMs = now - t0;
        else if (message.type === 'fatal') {
          clearTimeout(timer);
          reject(new Error(`worker fatal: ${message.message}`));
        } else if (message.type === 'state' && message.status.state === 'ready') {
          clearTimeout(timer);
          resolve({ startedMs, readyMs: now - t0 });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited (${code}) before ready; stderr:\n${stderr.join('')}`));
      });
      const start: HostMessage = { type: 'start', version: 1, config: workerConfig(relay) };
      child.send(start);
    });
    return result;
  } finally {
    if (child.connected) child.send({ type: 'stop' } satisfies HostMessage);
    await Promise.race([exited, sleep(6000)]);
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) await killTree(child.pid, 'SIGKILL', 0);
    untrack(child.pid);
  }
}
