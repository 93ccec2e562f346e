/**
 * What the benchmark's client alone costs per call over HTTP: the SDK Client
 * (the same one, with the same fetch, as the bridge and tunnel paths) against
 * `bench/http-echo-server.cjs`, an SDK server that answers `echo` in its own
 * process, with no stdio hop and no relay. No HTTP path can be faster for this
 * client: its sequential p50 is the least any HTTP path adds over direct
 * stdio, and its CPU per call bounds the calls/s one client process can make.
 */
import { join } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, waitForPort } from '../../test/helpers/net';
import { echoChecked, sequential, throughput } from './load';
import { benchFetch, newClient } from './paths';
import { start } from './procs';
import { percentile } from './stats';

export interface ClientFloorResult {
  p50Ms: number;
  callsPerSec: number;
  /** The benchmark process's own CPU (user + system) per call under the concurrent load. */
  clientCpuUsPerCall: number;
  errors: number;
}

export async function clientFloor(o: { warmup: number; sequential: number; concurrency: number; loadWarmupMs: number; loadMs: number }): Promise<ClientFloorResult> {
  const port = await freePort();
  const proc = start(process.execPath, [join(__dirname, '..', 'http-echo-server.cjs'), String(port)]);
  try {
    await waitForPort(port, { child: proc.child, output: () => proc.stderr.join('\n'), timeoutMs: 10_000 });
    const client = newClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { fetch: benchFetch }));
    try {
      await echoChecked(client);
      await sequential(client, o.warmup);
      const p50Ms = percentile(await sequential(client, o.sequential), 50);
      await throughput(client, o.concurrency, o.loadWarmupMs);
      const cpu0 = process.cpuUsage();
      const load = await throughput(client, o.concurrency, o.loadMs);
      const cpu = process.cpuUsage(cpu0);
      return { p50Ms, callsPerSec: load.callsPerSec, clientCpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, load.calls), errors: load.errors };
    } finally {
      await client.close().catch(() => undefined);
    }
  } finally {
    await proc.stop('SIGTERM', 2000);
  }
}
