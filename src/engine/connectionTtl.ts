/** The signal one MCP request runs under: its command's deadline, and `mcp.connectionMaxTtl` when that comes first. */
import type { Deadline } from './deadline';

const CONNECTION_TTL = 'connection_ttl';

export interface ConnectionTtl {
  signal: AbortSignal;
  ttlMs: number;
  /** True when the TTL, not the command's deadline or a stop, ended the request. */
  reached(): boolean;
  dispose(): void;
}

/**
 * Only a command without a deadline, or with one further away than the TTL,
 * pays for a second timer.
 */
export function connectionTtl(deadline: Deadline, ttlMs: number): ConnectionTtl {
  if (ttlMs <= 0 || deadline.remainingMs() <= ttlMs) return { signal: deadline.signal, ttlMs, reached: () => false, dispose: () => undefined };
  const controller = new AbortController();
  const onDeadline = () => controller.abort(deadline.signal.reason);
  deadline.signal.addEventListener('abort', onDeadline, { once: true });
  const timer = setTimeout(() => controller.abort(CONNECTION_TTL), ttlMs);
  timer.unref();
  return {
    signal: controller.signal,
    ttlMs,
    reached: () => controller.signal.reason === CONNECTION_TTL && !deadline.signal.aborted,
    dispose: () => {
      clearTimeout(timer);
      deadline.signal.removeEventListener('abort', onDeadline);
    },
  };
}
