/**
 * A/B of two builds of the tunnel: alternates `mcp-tunnel loopback` from two
 * dist directories (A B A B …) under the same load and prints medians of
 * calls/s, sequential p50 and the loopback's CPU time per call, the figure
 * least disturbed by other load on the machine.
 *
 *   tsx bench/ab.ts --a dist --b /tmp/scratch/dist [--rounds 5] [--seconds 3]
 *
 * Build B from a scratch copy of the tree, e.g.
 *   cp -r src esbuild.mjs package.json tsconfig.json /tmp/scratch/ && ln -s $PWD/node_modules /tmp/scratch/
 *   (edit /tmp/scratch/src/…) && (cd /tmp/scratch && node esbuild.mjs)
 */
import { resolve, join } from 'node:path';
import { echoChecked, sequential, throughput } from './lib/load';
import { startTunnel } from './lib/paths';
import { cpuMsOf, installCleanupHandlers, runMain } from './lib/procs';
import { median, percentile } from './lib/stats';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

interface Sample {
  callsPerSec: number;
  p50Ms: number;
  loopbackCpuUsPerCall: number;
}

async function sampleOnce(cli: string, seconds: number, concurrency: number): Promise<Sample> {
  const tunnel = await startTunnel([], cli);
  try {
    await echoChecked(tunnel.client);
    await sequential(tunnel.client, 200);
    const lat = await sequential(tunnel.client, 500);
    await throughput(tunnel.client, concurrency, 1000);
    const cpu0 = cpuMsOf(tunnel.proc.pid)!;
    const load = await throughput(tunnel.client, concurrency, seconds * 1000);
    const cpu1 = cpuMsOf(tunnel.proc.pid)!;
    if (load.errors > 0) throw new Error(`${load.errors} calls failed: ${load.firstError}`);
    return { callsPerSec: load.callsPerSec, p50Ms: percentile(lat, 50), loopbackCpuUsPerCall: ((cpu1 - cpu0) * 1000) / load.calls };
  } finally {
    await tunnel.stop();
  }
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const a = join(resolve(option('--a', 'dist')), 'cli.js');
  const b = join(resolve(option('--b', 'dist')), 'cli.js');
  const rounds = Number(option('--rounds', '5'));
  const seconds = Number(option('--seconds', '3'));
  const concurrency = Number(option('--concurrency', '64'));
  const results: Record<'A' | 'B', Sample[]> = { A: [], B: [] };
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always follows the other.
    const order: ('A' | 'B')[] = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    for (const which of order) {
      const s = await sampleOnce(which === 'A' ? a : b, seconds, concurrency);
      results[which].push(s);
      process.stderr.write(`round ${r + 1} ${which}: ${s.callsPerSec.toFixed(0)} calls/s, p50 ${s.p50Ms.toFixed(3)} ms, loopback ${s.loopbackCpuUsPerCall.toFixed(0)} µs CPU/call\n`);
    }
  }
  const row = (which: 'A' | 'B') => {
    const xs = results[which];
    return {
      callsPerSec: median(xs.map((x) => x.callsPerSec)),
      p50Ms: median(xs.map((x) => x.p50Ms)),
      cpu: median(xs.map((x) => x.loopbackCpuUsPerCall)),
    };
  };
  const A = row('A');
  const B = row('B');
  process.stdout.write(
    [
      `A = ${a}`,
      `B = ${b}`,
      `median of ${rounds} rounds, ${concurrency} concurrent callers for ${seconds} s each:`,
      `        calls/s   p50 ms   loopback CPU µs/call`,
      `A   ${A.callsPerSec.toFixed(0).padStart(9)} ${A.p50Ms.toFixed(3).padStart(8)} ${A.cpu.toFixed(0).padStart(10)}`,
      `B   ${B.callsPerSec.toFixed(0).padStart(9)} ${B.p50Ms.toFixed(3).padStart(8)} ${B.cpu.toFixed(0).padStart(10)}`,
      `B/A ${(B.callsPerSec / A.callsPerSec).toFixed(3).padStart(9)} ${(B.p50Ms / A.p50Ms).toFixed(3).padStart(8)} ${(B.cpu / A.cpu).toFixed(3).padStart(10)}`,
    ].join('\n') + '\n',
  );
}

runMain('ab', main);
