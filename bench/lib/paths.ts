/**
 * The three paths under test, each ending at the same MCP server
 * (`@modelcontextprotocol/server-everything` over stdio) and each driven by
 * the same client (the official SDK Client):
 *
 *   direct: Client ─stdio─► server                                  (the floor)
 *   bridge: Client ─HTTP─► supergateway ─stdio─► server            (what a user would run instead)
 *   tunnel: Client ─HTTP─► loopback front door ─long-poll─► engine ─stdio─► server
 */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { LoopbackInfo } from '../../src/cli/loopback';
import { CLI, EVERYTHING, ROOT } from '../../test/helpers/everything';
import { freePort, waitForPort } from '../../test/helpers/net';
import { descendantPids } from '../../test/helpers/processes';
import { userEnv } from '../../test/helpers/spawn';
import { start, track, untrack, type Proc } from './procs';

export const SUPERGATEWAY = join(ROOT, 'node_modules', 'supergateway', 'dist', 'index.js');
/** Preload that makes servers listening without a host bind 127.0.0.1 (supergateway has no host flag). */
export const LOOPBACK_ONLY = join(__dirname, '..', 'loopback-only.cjs');

export type PathName = 'direct' | 'bridge' | 'tunnel';
export const PATH_NAMES: readonly PathName[] = ['direct', 'bridge', 'tunnel'];

/** The stdio command line of the server, as both supergateway and the tunnel get it. */
export function everythingCommand(): string {
  return `${process.execPath} ${EVERYTHING} stdio`;
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

export async function startDirect(): Promise<PathHandle> {
  const client = newClient();
  const transport = new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore', env: userEnv() as Record<string, string> });
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

/**
 * A path whose front is a process the benchmark started: the client connects
 * through what `transport` gives once the front is up; stop() closes the
 * client, then stops the process with `signal`. A front whose client cannot
 * connect is killed.
 */
async function frontedPath(
  name: PathName,
  proc: Proc,
  transport: () => Promise<StreamableHTTPClientTransport>,
  stopWith: { signal: NodeJS.Signals; graceMs: number },
): Promise<PathHandle> {
  try {
    const client = newClient();
    await client.connect(await transport());
    return {
      name,
      client,
      frontPid: proc.pid,
      mcpPids: () => descendantPids(proc.pid),
      async stop() {
        await client.close().catch(() => undefined);
        await proc.stop(stopWith.signal, stopWith.graceMs);
      },
    };
  } catch (err) {
    await proc.stop('SIGKILL', 0);
    throw err;
  }
}

export async function startBridge(): Promise<PathHandle> {
  const port = await freePort();
  // --logLevel none: supergateway logs every message at its default level
  // (info); turning that off gives the bridge its best case.
  const proc = start(
    process.execPath,
    ['--require', LOOPBACK_ONLY, SUPERGATEWAY, '--stdio', everythingCommand(), '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'],
    { env: userEnv() },
  );
  return frontedPath(
    'bridge',
    proc,
    async () => {
      await waitForPort(port, { child: proc.child, output: () => proc.stderr.join('\n'), timeoutMs: 20_000 });
      return new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { fetch: benchFetch });
    },
    { signal: 'SIGTERM', graceMs: 5000 },
  );
}

/** `mcp-tunnel loopback` as a user runs it; `nodeArgs` go before dist/cli.js (e.g. --cpu-prof). */
export async function startLoopbackProcess(nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}, cli = CLI, loopbackArgs: string[] = []): Promise<{ proc: Proc; info: LoopbackInfo }> {
  const proc = start(process.execPath, [...nodeArgs, cli, 'loopback', '--mcp-command', everythingCommand(), '--print-json', ...loopbackArgs], { env: userEnv(env) });
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
  // SIGINT: the loopback stops its engine (and the MCP child's group) and exits normally,
  // which also lets --cpu-prof write its profile.
  const path = await frontedPath('tunnel', proc, async () => tunnelTransport(info), { signal: 'SIGINT', graceMs: 8000 });
  return { ...path, proc, info };
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
