/** The workloads: sequential echo calls, N concurrent callers, concurrent slow calls. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { rssOf } from './procs';

/** 1 KiB message for the `echo` tool. */
export const MESSAGE = 'x'.repeat(1024);

export async function echo(client: Client): Promise<void> {
  const result = await client.callTool({ name: 'echo', arguments: { message: MESSAGE } });
  if (result.isError) throw new Error(`echo failed: ${JSON.stringify(result.content).slice(0, 200)}`);
}

/** One call checked for content, so a path that answers wrongly cannot look fast. */
export async function echoChecked(client: Client): Promise<void> {
  const result = await client.callTool({ name: 'echo', arguments: { message: MESSAGE } });
  const text = (result.content as { type: string; text?: string }[] | undefined)?.find((c) => c.type === 'text')?.text ?? '';
  if (result.isError || !text.includes(MESSAGE)) throw new Error(`echo answered wrongly: ${JSON.stringify(result).slice(0, 200)}`);
}

/** Latencies (ms) of `n` calls made one after another. */
export async function sequential(client: Client, n: number): Promise<number[]> {
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await echo(client);
    out[i] = performance.now() - t0;
  }
  return out;
}

export interface ThroughputResult {
  calls: number;
  errors: number;
  seconds: number;
  callsPerSec: number;
  /** Latency of each call under load (ms). */
  latencies: number[];
  firstError?: string;
}

/**
 * `concurrency` callers, all on the one client session, each calling echo
 * back to back until `durationMs` has passed (calls already started finish).
 */
export async function throughput(client: Client, concurrency: number, durationMs: number): Promise<ThroughputResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const end = t0 + durationMs;
  const caller = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      try {
        await echo(client);
        latencies.push(performance.now() - s);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
        if (errors > 100) return;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = (performance.now() - t0) / 1000;
  return { calls: latencies.length, errors, seconds, callsPerSec: latencies.length / seconds, latencies, firstError };
}

/** Wall time (ms) of `n` concurrent calls of a tool that sleeps `seconds` on the server. */
export async function concurrentSlowCalls(client: Client, n: number, seconds: number): Promise<number> {
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: n }, () => client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: seconds, steps: 1 } })),
  );
  const wall = performance.now() - t0;
  const failed = results.find((r) => r.isError);
  if (failed) throw new Error(`trigger-long-running-operation failed: ${JSON.stringify(failed.content).slice(0, 200)}`);
  return wall;
}

/** Samples the RSS of some processes every `intervalMs`; `stop()` returns each one's peak (bytes). */
export function rssSampler(pids: () => number[], intervalMs = 100): { stop(): Map<number, number> } {
  const peaks = new Map<number, number>();
  const sample = () => {
    for (const pid of pids()) {
      const rss = rssOf(pid);
      if (rss !== undefined && rss > (peaks.get(pid) ?? 0)) peaks.set(pid, rss);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
