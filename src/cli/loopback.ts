/**
 * The whole tunnel in one process: a relay (local control plane + MCP front
 * door) and an engine polling it, in front of one MCP server.
 */
import { splitCommand } from '../engine/mcp/argv';
import type { EngineConfig, McpTarget, StdioSessions } from '../engine/config';
import { DURATION_PROBLEM, parseDuration } from '../profiles/duration';
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
  /** `--session-mode`, `--max-sessions`, `--session-idle-timeout` as typed (a stdio server only). */
  sessionMode?: string;
  maxSessions?: string;
  sessionIdleTimeout?: string;
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

export function targetFromFlags(mcpCommand: string | undefined, mcpServerUrl: string | undefined, sessions: SessionFlags = {}): McpTarget {
  if (mcpCommand && mcpServerUrl) throw new UsageError('give either --mcp-command or --mcp-server-url, not both');
  if (mcpCommand) return { kind: 'stdio', channel: 'main', argv: splitCommand(mcpCommand), env: {}, sessions: sessionsFromFlags(sessions) };
  if (Object.values(sessions).some((v) => v !== undefined)) throw new UsageError('--session-mode, --max-sessions and --session-idle-timeout apply to a stdio server (--mcp-command) only');
  if (mcpServerUrl) {
    if (!/^https?:\/\//.test(mcpServerUrl)) throw new UsageError(`--mcp-server-url "${mcpServerUrl}" must start with http:// or https://`);
    return { kind: 'http', channel: 'main', url: mcpServerUrl, headers: {}, tls: {} };
  }
  throw new UsageError('loopback needs an MCP server: pass --mcp-command "node server.js" or --mcp-server-url http://127.0.0.1:3000/mcp');
}

export type SessionFlags = Pick<LoopbackOptions, 'sessionMode' | 'maxSessions' | 'sessionIdleTimeout'>;

/** How remote sessions share the stdio child; the defaults are a profile's (README, "Many sessions, one child"). */
export function sessionsFromFlags(flags: SessionFlags): StdioSessions {
  const mode = flags.sessionMode ?? DEFAULTS.sessionMode;
  if (mode !== 'per_session' && mode !== 'shared') throw new UsageError(`--session-mode "${mode}" must be per_session (a child per remote session) or shared (one child for all)`);
  let maxSessions: number = DEFAULTS.maxSessions;
  if (flags.maxSessions !== undefined) {
    maxSessions = Number(flags.maxSessions);
    if (!/^\d+$/.test(flags.maxSessions) || maxSessions < 1 || maxSessions > 1000) throw new UsageError(`--max-sessions "${flags.maxSessions}" must be a whole number from 1 to 1000`);
  }
  let idleTimeoutMs: number = DEFAULTS.sessionIdleTimeoutMs;
  if (flags.sessionIdleTimeout !== undefined) {
    const ms = parseDuration(flags.sessionIdleTimeout);
    if (ms === undefined) throw new UsageError(`--session-idle-timeout "${flags.sessionIdleTimeout}" ${DURATION_PROBLEM} (0s: never)`);
    idleTimeoutMs = ms;
  }
  return { mode, maxSessions, idleTimeoutMs };
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
  const target = targetFromFlags(options.mcpCommand, options.mcpServerUrl, {
    sessionMode: options.sessionMode,
    maxSessions: options.maxSessions,
    sessionIdleTimeout: options.sessionIdleTimeout,
  });
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
