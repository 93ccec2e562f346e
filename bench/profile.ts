/**
 * CPU profile of the tunnel path under load: runs `mcp-tunnel loopback` with
 * `node --cpu-prof`, drives 64 concurrent echo calls (one SDK client session)
 * for a while, stops it with SIGINT (so the profile is written) and prints
 * the summary of bench/profile-summary.ts.
 *
 *   npm run build && tsx bench/profile.ts [--dir /tmp/prof] [--seconds 10] [--interval-us 250] [--top 25]
 */
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { echoChecked, sequential, throughput } from './lib/load';
import { CLI } from '../test/helpers/everything';
import { startTunnel } from './lib/paths';
import { installCleanupHandlers, runMain } from './lib/procs';
import { summarise } from './profile-summary';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const dir = resolve(option('--dir', '/tmp/prof'));
  const seconds = Number(option('--seconds', '10'));
  const intervalUs = Number(option('--interval-us', '250'));
  const top = Number(option('--top', '25'));
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  // Profile a snapshot of the bundle, with its source map beside it, so that a
  // later `npm run build` cannot make the profile's positions point elsewhere.
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const snapshot = join(dir, `cli-${stamp}.js`);
  copyFileSync(CLI, snapshot);
  copyFileSync(`${CLI}.map`, `${snapshot}.map`);
  const tunnel = await startTunnel(['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(intervalUs)], snapshot);
  try {
    await echoChecked(tunnel.client);
    await sequential(tunnel.client, 200);
    await throughput(tunnel.client, 64, 1000);
    process.stderr.write(`profile: ${seconds} s of 64 concurrent echo calls through the tunnel (pid ${tunnel.proc.pid})…\n`);
    const load = await throughput(tunnel.client, 64, seconds * 1000);
    process.stderr.write(`profile: ${load.calls} calls, ${load.callsPerSec.toFixed(0)} calls/s, ${load.errors} errors\n`);
  } finally {
    await tunnel.stop();
  }
  const written = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (written.length === 0) throw new Error(`no .cpuprofile appeared in ${dir}: did the loopback exit normally on SIGINT?`);
  process.stdout.write(summarise(written[0], top) + '\n');
}

runMain('profile', main);
