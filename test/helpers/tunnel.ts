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
  const config: EngineConfig = {
    controlPlane: {
      baseUrl: info.url,
      tunnelId: info.tunnelId,
      apiKey: info.apiKey,
      extraHeaders: {},
      tls: {},
      pollTimeoutMs: 5_000,
      maxInflightRequests: 64,
    },
    mcp: { targets: [options.target], maxConcurrentRequests: 32 },
    health: { listenAddr: '127.0.0.1:0' },
    log: { level: 'debug' },
    trace: { capturePayloads: true, maxEntries: 1000 },
  };
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

/** A Streamable HTTP `main` channel at `url`, no headers, no TLS material. */
export function httpTarget(url: string): HttpTarget {
  return { kind: 'http', channel: 'main', url, headers: {}, tls: {} };
}
