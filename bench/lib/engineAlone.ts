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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** Commands per poll that carried any, on average. */
  batchSize: number;
  /** One answer's POST: body bytes and request headers (besides Host, Content-Length, Connection). */
  postBytes: number;
  postHeaders: number;
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
  /** Polls answered with commands, and the commands they carried. */
  batches = 0;
  batched = 0;
  /** Size and header count of the last answer posted, for the POST floor. */
  postBytes = 0;
  postHeaders = 0;
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
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        this.postBytes = raw.length;
        // Host and Content-Length are added by any client; the rest are the engine's own.
        this.postHeaders = Object.keys(req.headers).filter((h) => h !== 'host' && h !== 'content-length' && h !== 'connection').length;
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
    this.batches++;
    this.batched += commands.length;
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

/** How the control plane is reached: plain HTTP/1.1, HTTP/1.1 over TLS, or HTTP/2 over TLS (offered by ALPN, as the hosted service does). */
export type EngineAloneWire = 'http' | 'https' | 'h2';

/** A throwaway self-signed certificate for 127.0.0.1 (openssl), and its directory to remove. */
function loopbackCertificate(): { dir: string; cert: string; key: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bench-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { dir, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
}

export async function engineAlone(opts: { concurrency: number; warmup: number; commands: number; nodeArgs?: string[]; wire?: EngineAloneWire; cli?: string }): Promise<EngineAloneResult> {
  const plane = new MiniControlPlane(opts.concurrency);
  const wire = opts.wire ?? 'http';
  const tls = wire === 'http' ? undefined : loopbackCertificate();
  const handler = (req: IncomingMessage, res: ServerResponse) => plane.handle(req, res);
  const server =
    wire === 'h2'
      ? createSecureServer({ cert: tls!.cert, key: tls!.key, allowHTTP1: true }, handler as never)
      : wire === 'https'
        ? createHttpsServer({ cert: tls!.cert, key: tls!.key, keepAlive: true }, handler)
        : createServer({ keepAlive: true }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proc = start(process.execPath, [...(opts.nodeArgs ?? []), opts.cli ?? CLI, 'run'], {
    env: userEnv({
      CONTROL_PLANE_BASE_URL: `${wire === 'http' ? 'http' : 'https'}://127.0.0.1:${port}`,
      ...(tls ? { CA_BUNDLE: tls.certFile } : {}),
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
    plane.batches = 0;
    plane.batched = 0;
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
      batchSize: plane.batched / Math.max(1, plane.batches),
      postBytes: plane.postBytes,
      postHeaders: plane.postHeaders,
      rssIdle,
      rssPeak,
      errors: plane.errors,
    };
  } finally {
    clearTimeout(failIfStuck);
    await proc.stop('SIGTERM', 6000);
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close();
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  }
}

export interface PostFloorResult {
  cpuUsPerRequest: number;
  requestsPerSecond: number;
}

/**
 * The floor under the engine's CPU per command: `bench/post-floor.cjs` makes
 * only the response POSTs (same body size, same header count, same undici
 * settings, same concurrency) against a node:http server here that answers as
 * the minimal control plane does.
 */
export async function postFloor(opts: { concurrency: number; count: number; bodyBytes: number; headerCount: number }): Promise<PostFloorResult> {
  const server = createServer({ keepAlive: true }, (req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const script = join(__dirname, '..', 'post-floor.cjs');
    const proc = start(process.execPath, [script, `http://127.0.0.1:${port}/response`, String(opts.count), String(opts.concurrency), String(opts.bodyBytes), String(opts.headerCount)]);
    const code = await proc.exited;
    const line = proc.stdout.find((l) => l.startsWith('{'));
    if (code !== 0 || !line) throw new Error(`post-floor probe failed (${code}): ${proc.stderr.slice(-5).join('\n')}`);
    return JSON.parse(line) as PostFloorResult;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
