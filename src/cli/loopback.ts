/**
 * The whole tunnel in one process: a relay (local control plane + MCP front
 * door) and an engine polling it, in front of one MCP server.
 */
import { splitCommand } from '../engine/mcp/argv';
import type { EngineConfig, McpTarget } from '../engine/config';
import { DEFAULTS } from '../engine/config';
import { TunnelEngine } from '../engine/engine';
import type { Logger } from '../engine/log';
import { Relay, relayControlPlane } from '../relay/relay';
import { frontDoorFields, type FrontDoorFields } from './frontDoorInfo';
import { UsageError } from './output';

export interface LoopbackOptions {
  mcpCommand?: string;
  mcpServerUrl?: string;
  /** Relay address (host:port). */
  listen: string;
  /** How the user named `listen` and `healthListen`, for messages (default `--listen`, `--health-listen`). */
  listenSetting?: string;
  healthListenSetting?: string;
  frontDoorAuth: 'bearer' | 'none';
  healthListen: string;
  healthUrlFile?: string;
  logger: Logger;
  capturePayloads?: boolean;
  maxConcurrentRequests?: number;
  maxInflightRequests?: number;
}

/** What `loopback --print-json` prints: where to connect, and what a client sends (frontDoorInfo.ts). */
export interface LoopbackInfo extends FrontDoorFields {
  /** The front-door URL; with front-door auth the token is its last path segment. */
  mcp_url: string;
  control_plane_base_url: string;
  tunnel_id: string;
  health_url: string;
}

export interface Loopback {
  relay: Relay;
  engine: TunnelEngine;
  info: LoopbackInfo;
  stop(): Promise<void>;
}

export function targetFromFlags(mcpCommand: string | undefined, mcpServerUrl: string | undefined): McpTarget {
  if (mcpCommand && mcpServerUrl) throw new UsageError('give either --mcp-command or --mcp-server-url, not both');
  if (mcpCommand) return { kind: 'stdio', channel: 'main', argv: splitCommand(mcpCommand), env: {} };
  if (mcpServerUrl) {
    if (!/^https?:\/\//.test(mcpServerUrl)) throw new UsageError(`--mcp-server-url "${mcpServerUrl}" must start with http:// or https://`);
    return { kind: 'http', channel: 'main', url: mcpServerUrl, headers: {}, tls: {} };
  }
  throw new UsageError('loopback needs an MCP server: pass --mcp-command "node server.js" or --mcp-server-url http://127.0.0.1:3000/mcp');
}

/**
 * Waits until the loopback tunnel is ready. An MCP server that cannot be
 * started at all (a command not found, not executable) stops the loopback
 * and throws a UsageError (exit 2) instead of waiting for ever.
 */
export async function untilReady(loopback: Loopback): Promise<void> {
  const readiness = await loopback.engine.whenReadyOrFailed();
  if (readiness.ready) return;
  await loopback.stop();
  throw new UsageError(`the loopback tunnel cannot start: ${readiness.reason}`);
}

export async function startLoopback(options: LoopbackOptions): Promise<Loopback> {
  const target = targetFromFlags(options.mcpCommand, options.mcpServerUrl);
  const relay = new Relay({ listen: options.listen, listenSetting: options.listenSetting ?? '--listen', frontDoorAuth: options.frontDoorAuth, keepResponseBodies: false, logger: options.logger.child('relay') });
  const started = await relay.start();
  const config: EngineConfig = {
    controlPlane: relayControlPlane(started, { pollTimeoutMs: DEFAULTS.pollTimeoutMs, maxInflightRequests: options.maxInflightRequests ?? 256 }),
    mcp: { targets: [target], maxConcurrentRequests: options.maxConcurrentRequests ?? 64 },
    health: { listenAddr: options.healthListen, urlFile: options.healthUrlFile, setting: options.healthListenSetting ?? '--health-listen' },
    log: { level: options.logger.level },
    // The CLI has no trace viewer: keeping payloads would only cost copies and memory.
    trace: { capturePayloads: options.capturePayloads ?? false, maxEntries: DEFAULTS.traceMaxEntries },
  };
  const engine = new TunnelEngine(config, { logger: options.logger.child('engine') });
  try {
    await engine.start();
  } catch (err) {
    await relay.close();
    throw err;
  }
  const info: LoopbackInfo = {
    mcp_url: started.mcpUrl,
    control_plane_base_url: started.url,
    tunnel_id: started.tunnelId,
    health_url: engine.healthUrl ?? '',
    ...frontDoorFields(started),
  };
  return {
    relay,
    engine,
    info,
    async stop() {
      await engine.stop();
      await relay.close();
    },
  };
}
