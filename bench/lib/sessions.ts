/**
 * What each stdio session mode costs (README, "Many sessions, one child"):
 * `mcp-tunnel loopback --session-mode MODE`, N remote sessions opened one
 * after the other with raw Streamable HTTP POSTs, then the children below the
 * loopback and their RSS. Cold start of a session: from sending its
 * `initialize` to its answer (per_session: a child is spawned and initialized
 * for it; shared: the cached answer), and to the answer of its first
 * `tools/list`.
 */
import { performance } from 'node:perf_hooks';
import type { LoopbackInfo } from '../../src/cli/loopback';
import { descendantPids } from '../../test/helpers/processes';
import { sleep } from '../../test/helpers/wait';
import { startLoopbackProcess } from './paths';
import { rssOf } from './procs';
import { median } from './stats';

export type SessionMode = 'per_session' | 'shared';
export const SESSION_MODES: readonly SessionMode[] = ['per_session', 'shared'];

export interface SessionsFigures {
  mode: SessionMode;
  sessions: number;
  /** Processes below the loopback with every session open. */
  children: number;
  /** Sum of their VmRSS, bytes. */
  childrenRssBytes: number;
  loopbackRssBytes: number;
  /** Median over the sessions: initialize sent → its answer. */
  initializeMs: number;
  /** Median over the sessions: initialize sent → the answer to its first tools/list. */
  firstCallMs: number;
  errors: number;
}

async function post(info: LoopbackInfo, body: unknown, sessionId: string | null): Promise<{ ok: boolean; sessionId: string | null }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  if (info.front_door_token) headers.Authorization = `Bearer ${info.front_door_token}`;
  if (sessionId) headers['Mcp-Session-Id'] = sessionId;
  const res = await fetch(info.mcp_url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  const minted = res.headers.get('mcp-session-id');
  // A notification's answer is a bodiless 202; a request's is JSON, or an SSE stream that ends with it (server messages may come first).
  if (res.status === 202) return { ok: true, sessionId: minted };
  const data = text.startsWith('{') ? text : text.split('\n').filter((l) => l.startsWith('data: ')).pop()?.slice(6);
  let answer: { result?: unknown } = {};
  try {
    answer = data ? (JSON.parse(data) as { result?: unknown }) : {};
  } catch {
    // counted as an error below
  }
  return { ok: res.ok && answer.result !== undefined, sessionId: minted };
}

export async function measureSessions(mode: SessionMode, sessions: number, settleMs: number): Promise<SessionsFigures> {
  const { proc, info } = await startLoopbackProcess([], {}, undefined, ['--session-mode', mode, '--max-sessions', String(sessions)]);
  const initializeMs: number[] = [];
  const firstCallMs: number[] = [];
  let errors = 0;
  try {
    for (let i = 0; i < sessions; i++) {
      const t0 = performance.now();
      const init = await post(
        info,
        { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: `bench-${i}`, version: '1' } } },
        null,
      );
      initializeMs.push(performance.now() - t0);
      await post(info, { jsonrpc: '2.0', method: 'notifications/initialized' }, init.sessionId);
      const list = await post(info, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, init.sessionId);
      firstCallMs.push(performance.now() - t0);
      if (!init.ok || !list.ok) errors++;
    }
    await sleep(settleMs);
    const pids = descendantPids(proc.pid);
    return {
      mode,
      sessions,
      children: pids.length,
      childrenRssBytes: pids.reduce((sum, pid) => sum + (rssOf(pid) ?? 0), 0),
      loopbackRssBytes: rssOf(proc.pid) ?? 0,
      initializeMs: median(initializeMs),
      firstCallMs: median(firstCallMs),
      errors,
    };
  } finally {
    await proc.stop('SIGINT', 8000);
  }
}
