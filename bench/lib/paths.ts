/**
 * The three paths under test, each ending at the same MCP server
 * (`@modelcontextprotocol/server-everything` over stdio) and each driven by
 * the same client (the official SDK Client):
 *
 *   direct: Client ─stdio─► server                                  (the floor)
 *   bridge: Client ─HTTP─► supergateway ─stdio─► server            (what a user would run instead)
 *   tunnel: Client ─HTTP─► loopback front door ─long-poll─► engine ─stdio─► server
 */
import { connect as netConnect, createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { descendantsOf, sleep, start, track, untrack, type Proc } from './procs';

export const ROOT = join(__dirname, '..', '..');
export const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const SUPERGATEWAY = join(ROOT, 'node_modules', 'supergateway', 'dist', 'index.js');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const WORKER = join(ROOT, 'dist', 'worker.js');
/** Preload that makes servers listening without a host bind 127.0.0.1 (supergateway has no host flag). */
export const LOOPBACK_ONLY = join(__dirname, '..', 'loopback-only.cjs');

export type PathName = 'direct' | 'bridge' | 'tunnel';
export const PATH_NAMES: readonly PathName[] = ['direct', 'bridge', 'tunnel'];

/** The stdio command line of the server, as both supergateway and the tunnel get it. */
export function everythingCommand(): string {
  return `${process.execPath} ${EVERYTHING} stdio`;
}

/** Minimal environment for the processes we start (as a user's shell would give them). */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

export interface PathHandle {
  name: PathName;
  client: Client;
  /** The process between client and server (loopback or supergateway); undefined for direct. */
  frontPid?: number;
  /** Pids of the MCP server process(es): the stdio child and, for supergateway, its shell. */
  mcpPids(): number[];
  stop(): Promise<void>;
}

/**
 * The fetch both HTTP paths' SDK transports use: Node's fetch, minus the
 * transport-wide AbortSignal. Node's fetch (undici) adds one abort listener per
 * request to that one signal and removes it only when the request is garbage
 * collected; under load thousands pile up, each addEventListener walks the
 * list, and the MaxListeners warning is printed once per request. That is
 * client-side cost unrelated to the server under test, and it eats the CPU the
 * servers share with the client on a small machine. Without the signal,
 * closing the transport cannot abort requests in flight; the benchmark closes
 * only idle sessions. `fetch` is a documented option of the transport.
 */
export const benchFetch = (url: string | URL, init?: RequestInit): Promise<Response> => fetch(url, { ...init, signal: undefined });

export function newClient(): Client {
  return new Client({ name: 'mcp-tunnel-bench', version: '1.0.0' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, proc: Proc, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (proc.child.exitCode !== null) throw new Error(`process exited (${proc.child.exitCode}) before listening; stderr:\n${proc.stderr.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export async function startDirect(): Promise<PathHandle> {
  const client = newClient();
  const transport = new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore', env: baseEnv() as Record<string, string> });
  await client.connect(transport);
  const pid = transport.pid ?? undefined;
  track(pid);
  return {
    name: 'direct',
    client,
    mcpPids: () => (pid === undefined ? [] : [pid]),
    async stop() {
      await client.close().catch(() => undefined);
      untrack(pid);
    },
  };
}

export async function startBridge(): Promise<PathHandle> {
  const port = await freePort();
  // --logLevel none: supergateway logs every message at its default level
  // (info); turning that off gives the bridge its best case.
  const proc = start(
    process.execPath,
    ['--require', LOOPBACK_ONLY, SUPERGATEWAY, '--stdio', everythingCommand(), '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'],
    { env: baseEnv() },
  );
  try {
    await waitForPort(port, proc);
    const client = newClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { fetch: benchFetch }));
    return {
      name: 'bridge',
      client,
      frontPid: proc.pid,
      mcpPids: () => descendantsOf(proc.pid),
      async stop() {
        await client.close().catch(() => undefined);
        await proc.stop('SIGTERM', 5000);
      },
    };
  } catch (err) {
    await proc.stop('SIGKILL', 0);
    throw err;
  }
}

export interface LoopbackInfo {
  mcp_url: string;
  control_plane_base_url: string;
  tunnel_id: string;
  health_url: string;
  front_door_token?: string;
}

/** `mcp-tunnel loopback` as a user runs it; `nodeArgs` go before dist/cli.js (e.g. --cpu-prof). */
export async function startLoopbackProcess(nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}, cli = CLI): Promise<{ proc: Proc; info: LoopbackInfo }> {
  const proc = start(process.execPath, [...nodeArgs, cli, 'loopback', '--mcp-command', everythingCommand(), '--print-json'], { env: baseEnv(env) });
  try {
    const info = await proc.json<LoopbackInfo>(30_000);
    return { proc, info };
  } catch (err) {
    await proc.stop('SIGKILL', 0);
    throw err;
  }
}

export function tunnelTransport(info: LoopbackInfo): StreamableHTTPClientTransport {
  const headers: Record<string, string> = {};
  if (info.front_door_token) headers.Authorization = `Bearer ${info.front_door_token}`;
  return new StreamableHTTPClientTransport(new URL(info.mcp_url), { requestInit: { headers }, fetch: benchFetch });
}

export async function startTunnel(nodeArgs: string[] = [], cli = CLI): Promise<PathHandle & { proc: Proc; info: LoopbackInfo }> {
  const { proc, info } = await startLoopbackProcess(nodeArgs, {}, cli);
  try {
    const client = newClient();
    await client.connect(tunnelTransport(info));
    return {
      name: 'tunnel',
      client,
      proc,
      info,
      frontPid: proc.pid,
      mcpPids: () => descendantsOf(proc.pid),
      async stop() {
        await client.close().catch(() => undefined);
        // SIGINT: the loopback stops its engine (and the MCP child's group) and exits normally,
        // which also lets --cpu-prof write its profile.
        await proc.stop('SIGINT', 8000);
      },
    };
  } catch (err) {
    await proc.stop('SIGKILL', 0);
    throw err;
  }
}

export function startPath(name: PathName): Promise<PathHandle> {
  switch (name) {
    case 'direct':
      return startDirect();
    case 'bridge':
      return startBridge();
    case 'tunnel':
      return startTunnel();
  }
}
