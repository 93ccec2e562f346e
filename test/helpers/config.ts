/**
 * The engine config of a test: one tunnel polling a relay on loopback and
 * serving one MCP target. The integration tunnel, the worker-supervisor test
 * and the benchmark's worker cold start build theirs here, so a new required
 * field of EngineConfig is filled in once.
 */
import type { EngineConfig, McpTarget } from '../../src/engine/config';
import type { LogLevel } from '../../src/engine/log';
import { relayControlPlane } from '../../src/relay/relay';

/** Where the engine polls: the fields of `Relay.start()`'s answer. */
export interface RelayAddress {
  url: string;
  tunnelId: string;
  apiKey: string;
}

/** What a test sizes differently from the defaults here. */
export interface EngineSizing {
  pollTimeoutMs?: number;
  maxInflightRequests?: number;
  maxConcurrentRequests?: number;
  logLevel?: LogLevel;
  capturePayloads?: boolean;
  maxTraceEntries?: number;
}

export function engineConfigFor(relay: RelayAddress, target: McpTarget, sizing: EngineSizing = {}): EngineConfig {
  return {
    controlPlane: relayControlPlane(relay, { pollTimeoutMs: sizing.pollTimeoutMs ?? 5_000, maxInflightRequests: sizing.maxInflightRequests ?? 20 }),
    mcp: { targets: [target], maxConcurrentRequests: sizing.maxConcurrentRequests ?? 10 },
    health: { listenAddr: '127.0.0.1:0' },
    log: { level: sizing.logLevel ?? 'info' },
    trace: { capturePayloads: sizing.capturePayloads ?? false, maxEntries: sizing.maxTraceEntries ?? 100 },
  };
}
