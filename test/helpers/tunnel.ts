/**
 * The whole path on loopback for integration tests: a real relay, a real
 * engine polling it, a real MCP server behind it, and SDK clients in front.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { EngineConfig, HttpTarget, McpTarget } from '../../src/engine/config';
import { TunnelEngine, type EngineOptions } from '../../src/engine/engine';
import { Logger, type LogRecord } from '../../src/engine/log';
import { Relay, type RelayOptions, type RelayStartInfo } from '../../src/relay/relay';
import { engineConfigFor } from './config';
import { everythingStdioTarget } from './everything';

export interface TestTunnel {
  relay: Relay;
  engine: TunnelEngine;
  info: RelayStartInfo;
  logs: LogRecord[];
  /** A connected SDK client speaking to the relay's front door. */
  client(name?: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }>;
  stop(): Promise<void>;
}

export interface TestTunnelOptions {
  target: McpTarget;
  relay?: Partial<RelayOptions>;
  engine?: EngineOptions;
  config?: (config: EngineConfig) => void;
  /** Wait for ready before returning (default true). */
  waitReady?: boolean;
}

export async function startTestTunnel(options: TestTunnelOptions): Promise<TestTunnel> {
  const logs: LogRecord[] = [];
  const logger = Logger.create('debug', 'test');
  logger.addSink((r) => logs.push(r));
  const relay = new Relay({ frontDoorAuth: 'bearer', ...options.relay, logger: logger.child('relay') });
  const info = await relay.start();
  const config = engineConfigFor(info, options.target, {
    maxInflightRequests: 64,
    maxConcurrentRequests: 32,
    logLevel: 'debug',
    capturePayloads: true,
    maxTraceEntries: 1000,
  });
  options.config?.(config);
  const engine = new TunnelEngine(config, {
    logger: logger.child('engine'),
    poller: { backoff: { initialMs: 20, maxMs: 200 }, authBackoff: { initialMs: 100, maxMs: 400 } },
    poster: { initialBackoffMs: 20, maxBackoffMs: 200 },
    ...options.engine,
  });
  await engine.start();
  if (options.waitReady !== false) await engine.whenReady();
  const clients: Client[] = [];
  return {
    relay,
    engine,
    info,
    logs,
    async client(name = 'test-client') {
      const client = new Client({ name, version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(info.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${info.frontDoorToken}` } },
      });
      await client.connect(transport);
      clients.push(client);
      return { client, transport };
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await engine.stop();
      await relay.close();
    },
  };
}

/**
 * Mocha hooks for the calling describe block: a test tunnel (to
 * server-everything over stdio unless `options` say otherwise) started before
 * each test, or once for all of them, and stopped after. `use` receives each
 * tunnel as it starts, for the block's own variable.
 */
export function tunnelHooks(scope: 'each' | 'all', use: (t: TestTunnel) => void, options: () => TestTunnelOptions = () => ({ target: everythingStdioTarget() })): void {
  let current: TestTunnel | undefined;
  (scope === 'each' ? beforeEach : before)(async () => {
    current = await startTestTunnel(options());
    use(current);
  });
  (scope === 'each' ? afterEach : after)(async () => {
    await current?.stop();
    current = undefined;
  });
}

/** Runs `body` with a test tunnel of its own, stopped however `body` ends. */
export async function withTestTunnel<T>(options: TestTunnelOptions, body: (t: TestTunnel) => Promise<T>): Promise<T> {
  const t = await startTestTunnel(options);
  try {
    return await body(t);
  } finally {
    await t.stop();
  }
}

/** Text of the first text content item of a tool result. */
export function textOf(result: unknown): string | undefined {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.find((c) => c.type === 'text')?.text;
}

/** `/readyz` of a test tunnel: its status and its one-line body. */
export async function readyz(t: TestTunnel): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.engine.healthUrl}/readyz`);
  return { status: res.status, text: (await res.text()).trim() };
}

/** A Streamable HTTP `main` channel at `url`, no headers, no TLS material unless `extra` adds them. */
export function httpTarget(url: string, extra: Partial<HttpTarget> = {}): HttpTarget {
  return { kind: 'http', channel: 'main', url, headers: {}, tls: {}, ...extra };
}
