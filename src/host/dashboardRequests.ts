/**
 * What both dashboard hosts (the editor's panel, the daemon's web UI) do the
 * same way: the tone of a state word, and running the app's MCP requests
 * (tool runner, resources, prompts, replay) over the engine's direct path.
 * No `vscode` import.
 */
import type { TraceEntry } from '../engine/trace';
import type { JsonRpcMessage } from '../protocol/jsonrpc';
import type { HealthTone, McpRequest } from '../../webview/protocol';
import { McpRequestError, type LocalMcpClient } from './mcpClient';

export const HEALTH_TONES: Record<string, HealthTone> = {
  ready: 'ok',
  starting: 'busy',
  restarting: 'busy',
  stopping: 'busy',
  degraded: 'warn',
  'auth error': 'error',
  crashed: 'error',
  invalid: 'error',
};

export function healthTone(state: string): HealthTone {
  return HEALTH_TONES[state] ?? 'idle';
}

export interface DashboardAnswer {
  result?: unknown;
  error?: string;
  /** The local trace entry of the call, when there is one. */
  traceSeq?: number;
}

/** Runs one request of the app; a failure comes back as `error`, never as a rejection. */
export async function runDashboardRequest(client: LocalMcpClient, request: McpRequest, entry: (key: number) => TraceEntry | undefined): Promise<DashboardAnswer> {
  try {
    switch (request.method) {
      case 'tools/list': {
        const { items, traceSeq } = await client.list('tools/list', 'tools');
        return { result: { tools: items }, traceSeq };
      }
      case 'resources/list': {
        const { items, traceSeq } = await client.list('resources/list', 'resources');
        return { result: { resources: items }, traceSeq };
      }
      case 'prompts/list': {
        const { items, traceSeq } = await client.list('prompts/list', 'prompts');
        return { result: { prompts: items }, traceSeq };
      }
      case 'tools/call':
        return await client.request('tools/call', { name: request.name, arguments: request.arguments });
      case 'resources/read':
        return await client.request('resources/read', { uri: request.uri });
      case 'prompts/get':
        return await client.request('prompts/get', { name: request.name, arguments: request.arguments });
      case 'replay': {
        const found = entry(request.key);
        if (!found?.request) return { error: 'This exchange has no captured request to replay (payload capture was off).' };
        const { response, traceSeq } = await client.replay(found.request as JsonRpcMessage);
        return { result: response ?? { accepted: true }, traceSeq };
      }
    }
  } catch (err) {
    const code = err instanceof McpRequestError && err.code !== undefined ? ` (${err.code})` : '';
    return { error: `${(err as Error).message}${code}`, traceSeq: err instanceof McpRequestError ? err.traceSeq : undefined };
  }
}

/** The key of the local trace entry `seq`, among the last 200 entries. */
export function localEntry(entries: readonly TraceEntry[], seq: number): TraceEntry | undefined {
  for (let i = entries.length - 1; i >= 0 && i >= entries.length - 200; i--) {
    const e = entries[i]!;
    if (e.origin === 'local' && e.seq === seq) return e;
  }
  return undefined;
}
