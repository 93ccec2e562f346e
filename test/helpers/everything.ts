/** The real MCP reference servers from npm, started the way a user would start them, and the built files under test. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { StdioTarget } from '../../src/engine/config';
import { freePort, waitForPort } from './net';

export const ROOT = join(__dirname, '..', '..');
export const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const FILESYSTEM = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const WORKER = join(ROOT, 'dist', 'worker.js');
export const SAMPLE_SERVER = join(ROOT, 'dist', 'sample-server.js');

/** argv of server-everything over stdio. */
export function everythingStdioArgv(): string[] {
  return [process.execPath, EVERYTHING, 'stdio'];
}

/** The engine's target for server-everything over stdio on the main channel. */
export function everythingStdioTarget(): StdioTarget {
  return { kind: 'stdio', channel: 'main', argv: everythingStdioArgv(), env: {} };
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** server-everything in Streamable HTTP mode on a loopback port (a free one unless given). */
export async function startEverythingHttp(port?: number): Promise<RunningServer> {
  port ??= await freePort();
  const child = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  child.stderr!.resume();
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  try {
    await waitForPort(port, { child });
  } catch (err) {
    await stop();
    throw new Error(`server-everything (streamableHttp) did not start: ${(err as Error).message}`);
  }
  return { url: `http://127.0.0.1:${port}/mcp`, child, stop };
}
