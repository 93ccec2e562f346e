/**
 * The engine alone: what one polled command costs the tunnel engine, without
 * the relay's front door or an MCP client in the same process.
 *
 * A minimal control plane (this process, node:http on loopback) hands out
 * batches of up to 25 `tools/call echo` commands (1 KiB message) to
 * `mcp-tunnel run` (stdio server-everything) and keeps `concurrency` of them
 * outstanding: every answer posted back releases one more. The figures are the
 * engine process's own CPU time (utime + stime, not its MCP child's) and its
 * peak RSS over the measured commands, after a warm-up.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLI } from '../../test/helpers/everything';
import { userEnv } from '../../test/helpers/spawn';
import { MESSAGE } from './load';
import { everythingCommand } from './paths';
import { cpuMsOf, rssOf, start } from './procs';

const TUNNEL_ID = `tunnel_${'0'.repeat(24)}benchcpu`;
const API_KEY = 'bench-runtime-key';
const BATCH = 25;

export interface EngineAloneResult {
  commands: number;
  seconds: number;
  commandsPerSecond: number;
  /** Engine process CPU per command (µs). */
  cpuUsPerCommand: number;
  /** Engine process RSS: idle before the load, and the peak under it (bytes). */
  rssIdle: number;
  rssPeak: number;
  errors: number;
}

interface Waiter {
  res: ServerResponse;
  limit: number;
  timer: NodeJS.Timeout;
}

/** The control plane's side: a queue of commands to hand out, and the answers. */
class MiniControlPlane {
  private queue: object[] = [];
  private waiting: Waiter[] = [];
  private nextId = 0;
  answered = 0;
  errors = 0;
  sessionId: string | undefined;
  private onAnswer: ((body: Record<string, unknown>) => void) | undefined;
  private onStuck: ((err: Error) => void) | undefined;

  constructor(readonly concurrency: number) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return void res.writeHead(401).end();
    if (req.method === 'GET' && url.pathname === `/v1/tunnels/${TUNNEL_ID}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: TUNNEL_ID, name: 'bench' }));
    } else if (req.method === 'GET' && url.pathname === `/v1/tunnels/${TUNNEL_ID}/poll`) {
      const limit = Math.max(1, Math.min(BATCH, Number(url.searchParams.get('limit') ?? BATCH)));
      const wait = Math.min(Number(url.searchParams.get('timeout_ms') ?? 1000), 5000);
      if (this.queue.length > 0) return this.send(res, limit);
      const waiter: Waiter = { res, limit, timer: setTimeout(() => this.expire(waiter), wait) };
      this.waiting.push(waiter);
      req.once('close', () => this.expire(waiter));
    } else if (req.method === 'POST' && url.pathname === `/v1/tunnels/${TUNNEL_ID}/response`) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        if (body.resp_type === 'jsonrpc_notify') return;
        this.onAnswer?.(body);
      });
    } else {
      res.writeHead(404).end();
    }
  }

  private expire(waiter: Waiter): void {
    const i = this.waiting.indexOf(waiter);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    clearTimeout(waiter.timer);
    if (!waiter.res.headersSent) waiter.res.writeHead(204).end();
  }

  private send(res: ServerResponse, limit: number): void {
    const commands = this.queue.splice(0, limit);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ commands }));
  }

  /** Fails the step in progress (the run is stuck). */
  stuck(message: string): void {
    this.onStuck?.(new Error(message));
  }

  enqueue(jsonrpc: Record<string, unknown>, headers: Record<string, string[]> = {}): void {
    const id = this.nextId++;
    this.queue.push({
      request_id: `req_${id}`,
      shard_token: `shard_${id}`,
      command_type: 'jsonrpc',
      channel: 'main',
      created_at: new Date().toISOString(),
      response_timeout: '30s',
      headers,
      jsonrpc: { jsonrpc: '2.0', ...jsonrpc },
    });
    const waiter = this.waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      this.send(waiter.res, waiter.limit);
    }
  }

  /** Sends one command and resolves with its terminal answer. */
  once(jsonrpc: Record<string, unknown>, headers: Record<string, string[]> = {}): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.onStuck = reject;
      this.onAnswer = (body) => {
        this.onAnswer = undefined;
        resolve(body);
      };
      this.enqueue(jsonrpc, headers);
    });
  }

  private call(): void {
    const headers: Record<string, string[]> = this.sessionId ? { 'Mcp-Session-Id': [this.sessionId] } : {};
    this.enqueue({ id: this.nextId, method: 'tools/call', params: { name: 'echo', arguments: { message: MESSAGE } } }, headers);
  }

  /** Keeps `concurrency` calls outstanding until `total` have been answered. */
  load(total: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onStuck = reject;
      let sent = 0;
      this.answered = 0;
      this.onAnswer = (body) => {
        this.answered++;
        if (body.resp_code !== 200 || (body.resp_json as { error?: unknown } | undefined)?.error) this.errors++;
        if (this.answered >= total) return resolve();
        if (sent < total) {
          sent++;
          this.call();
        }
      };
      for (; sent < Math.min(this.concurrency, total); sent++) this.call();
    });
  }
}

export async function engineAlone(opts: { concurrency: number; warmup: number; commands: number; nodeArgs?: string[] }): Promise<EngineAloneResult> {
  const plane = new MiniControlPlane(opts.concurrency);
  const server = createServer({ keepAlive: true }, (req, res) => plane.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proc = start(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'run'], {
    env: userEnv({
      CONTROL_PLANE_BASE_URL: `http://127.0.0.1:${port}`,
      CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID,
      CONTROL_PLANE_API_KEY: API_KEY,
      MCP_COMMAND: everythingCommand(),
      MCP_MAX_CONCURRENT_REQUESTS: String(opts.concurrency),
      LOG_LEVEL: 'warn',
    }),
  });
  const failIfStuck = setTimeout(() => {
    plane.stuck(`the engine answered nothing for a while; its stderr:\n${proc.stderr.slice(-20).join('\n')}`);
  }, 60_000);
  void proc.exited.then((code) => plane.stuck(`mcp-tunnel run exited (${code}); its stderr:\n${proc.stderr.slice(-20).join('\n')}`));
  try {
    const init = await plane.once({
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    });
    const headers = (init.resp_headers ?? {}) as Record<string, string[]>;
    const sessionKey = Object.keys(headers).find((k) => k.toLowerCase() === 'mcp-session-id');
    plane.sessionId = sessionKey ? headers[sessionKey][0] : undefined;
    await plane.once({ method: 'notifications/initialized' }, plane.sessionId ? { 'Mcp-Session-Id': [plane.sessionId] } : {});
    const rssIdle = rssOf(proc.pid) ?? 0;
    await plane.load(opts.warmup);
    let rssPeak = rssOf(proc.pid) ?? 0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(proc.pid) ?? 0)), 50);
    plane.errors = 0;
    const cpu0 = cpuMsOf(proc.pid) ?? 0;
    const t0 = performance.now();
    await plane.load(opts.commands);
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = (cpuMsOf(proc.pid) ?? 0) - cpu0;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, rssOf(proc.pid) ?? 0);
    return {
      commands: opts.commands,
      seconds,
      commandsPerSecond: opts.commands / seconds,
      cpuUsPerCommand: (cpuMs * 1000) / opts.commands,
      rssIdle,
      rssPeak,
      errors: plane.errors,
    };
  } finally {
    clearTimeout(failIfStuck);
    await proc.stop('SIGTERM', 6000);
    server.closeAllConnections();
    server.close();
  }
}
