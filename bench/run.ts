/**
 * `npm run bench [-- --quick] [-- --json] [-- --rounds N]`
 *
 * Measures, in one run on one machine, with the same client (the MCP SDK
 * Client) and the same server (server-everything over stdio, tool `echo`,
 * 1 KiB message), three paths:
 *   direct: Client → stdio server                              (the floor)
 *   bridge: Client → supergateway (stdio → Streamable HTTP, stateful) → server
 *   tunnel: Client → `mcp-tunnel loopback` front door → long-poll → engine → server
 * plus the tunnel's RSS, stdio concurrency, cold starts and extension figures.
 * Paths alternate (direct bridge tunnel, direct bridge tunnel, …) and each
 * figure is the median over rounds, so drift of the machine favours none.
 *
 * Concurrency: 64 concurrent callTool on ONE client session, for every path.
 *
 * --quick: tiny iteration counts, one round; proves the benchmark runs (CI),
 * asserts no timing and writes no RESULTS.md. Exit code 1 only if something
 * failed (a call errored, a process did not start), never for a missed target.
 */
import { cpus, totalmem, platform, arch, release } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliColdStart, startRelay, workerColdStart, type CliColdStart, type WorkerColdStart } from './lib/coldstart';
import { extensionBytes, measureActivation, vsix, type Activation } from './lib/extension';
import { concurrentSlowCalls, echoChecked, rssSampler, sequential, throughput } from './lib/load';
import { PATH_NAMES, startPath, type PathHandle, type PathName } from './lib/paths';
import { sleep } from '../test/helpers/wait';
import { cpuMsOf, installCleanupHandlers, machineBusyMs, rssOf, runMain } from './lib/procs';
import { MB, max, median, percentile, round } from './lib/stats';
import { clientFloor, type ClientFloorResult } from './lib/clientFloor';
import { engineAlone, postFloor, type EngineAloneResult, type PostFloorResult } from './lib/engineAlone';
import { measureSessions, SESSION_MODES, type SessionMode, type SessionsFigures } from './lib/sessions';

interface Settings {
  quick: boolean;
  json: boolean;
  rounds: number;
  warmup: number;
  sequential: number;
  concurrency: number;
  loadWarmupMs: number;
  loadMs: number;
  slowCalls: number;
  slowSeconds: number;
  slowReps: number;
  settleMs: number;
  coldSamplesPerRound: number;
  activationSamplesPerRound: number;
  engineWarmup: number;
  engineCommands: number;
}

function parseSettings(argv: string[]): Settings {
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Math.max(1, Number(argv[roundsAt + 1]) || 1) : quick ? 1 : 5;
  for (const a of argv) {
    if (a.startsWith('--') && !['--quick', '--json', '--rounds'].includes(a)) throw new Error(`unknown option ${a} (use --quick, --json, --rounds N)`);
  }
  return quick
    ? { quick, json, rounds, warmup: 5, sequential: 20, concurrency: 64, loadWarmupMs: 100, loadMs: 300, slowCalls: 32, slowSeconds: 0.1, slowReps: 1, settleMs: 100, coldSamplesPerRound: 1, activationSamplesPerRound: 1, engineWarmup: 100, engineCommands: 500 }
    : { quick, json, rounds, warmup: 200, sequential: 1000, concurrency: 64, loadWarmupMs: 1000, loadMs: 5000, slowCalls: 32, slowSeconds: 0.1, slowReps: 3, settleMs: 1000, coldSamplesPerRound: 3, activationSamplesPerRound: 3, engineWarmup: 2000, engineCommands: 20000 };
}


function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

interface PathRound {
  p50Ms: number;
  p99Ms: number;
  callsPerSec: number;
  loadCalls: number;
  loadP50Ms: number;
  loadP99Ms: number;
  errors: number;
  slowWallMs: number;
  /** CPU time per call during the load phase (µs): the bench process (client), the front process, the MCP child(ren). */
  clientCpuUsPerCall: number;
  frontCpuUsPerCall?: number;
  mcpCpuUsPerCall: number;
  /** CPU used by processes other than ours during the load, % of the whole machine. */
  otherCpuPct: number;
  frontRssIdle?: number;
  frontRssLoaded?: number;
  mcpRssIdle: number;
  mcpRssLoaded: number;
}

function sumCpu(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuMsOf(pid) ?? 0), 0);
}

function sumRss(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (rssOf(pid) ?? 0), 0);
}

async function measurePath(name: PathName, s: Settings): Promise<PathRound> {
  const handle: PathHandle = await startPath(name);
  try {
    const mcpPids = handle.mcpPids();
    const front = handle.frontPid;
    await sleep(s.settleMs);
    const frontRssIdle = front === undefined ? undefined : rssOf(front);
    const mcpRssIdle = sumRss(mcpPids);

    await echoChecked(handle.client);
    await sequential(handle.client, s.warmup);
    const lat = await sequential(handle.client, s.sequential);

    await throughput(handle.client, s.concurrency, s.loadWarmupMs);
    const sampler = rssSampler(() => (front === undefined ? mcpPids : [front, ...mcpPids]));
    const cpu0 = { client: process.cpuUsage(), front: front === undefined ? undefined : cpuMsOf(front), mcp: sumCpu(mcpPids), machine: machineBusyMs() };
    const load = await throughput(handle.client, s.concurrency, s.loadMs);
    const cpu1 = { client: process.cpuUsage(cpu0.client), front: front === undefined ? undefined : cpuMsOf(front), mcp: sumCpu(mcpPids), machine: machineBusyMs() };
    const oursMs = (cpu1.client.user + cpu1.client.system) / 1000 + (cpu1.front ?? 0) - (cpu0.front ?? 0) + cpu1.mcp - cpu0.mcp;
    const otherPct = (100 * Math.max(0, cpu1.machine - cpu0.machine - oursMs)) / (load.seconds * 1000 * cpus().length);
    const perCall = (ms: number | undefined) => (ms === undefined ? undefined : (ms * 1000) / Math.max(1, load.calls));
    const slow: number[] = [];
    for (let i = 0; i < s.slowReps; i++) slow.push(await concurrentSlowCalls(handle.client, s.slowCalls, s.slowSeconds));
    const peaks = sampler.stop();
    if (load.errors > 0) progress(`${name}: ${load.errors} calls failed under load; first: ${load.firstError}`);
    return {
      p50Ms: percentile(lat, 50),
      p99Ms: percentile(lat, 99),
      callsPerSec: load.callsPerSec,
      loadCalls: load.calls,
      loadP50Ms: percentile(load.latencies, 50),
      loadP99Ms: percentile(load.latencies, 99),
      errors: load.errors,
      slowWallMs: median(slow),
      clientCpuUsPerCall: (cpu1.client.user + cpu1.client.system) / Math.max(1, load.calls),
      frontCpuUsPerCall: cpu0.front === undefined || cpu1.front === undefined ? undefined : perCall(cpu1.front - cpu0.front),
      mcpCpuUsPerCall: perCall(cpu1.mcp - cpu0.mcp)!,
      otherCpuPct: otherPct,
      frontRssIdle,
      frontRssLoaded: front === undefined ? undefined : peaks.get(front),
      mcpRssIdle,
      mcpRssLoaded: mcpPids.reduce((sum, pid) => sum + (peaks.get(pid) ?? 0), 0),
    };
  } finally {
    await handle.stop();
  }
}

/** The figures before this round of work, shown beside the ones measured now. */
const BASELINE = JSON.parse(readFileSync(join(__dirname, 'baseline.json'), 'utf8')) as { measured: string; figures: Record<string, string> };
/** What the time and memory left over are spent on, for the targets this machine cannot meet (bench/FLOORS.md). */
const FLOORS = readFileSync(join(__dirname, 'FLOORS.md'), 'utf8').trim();

interface Target {
  name: string;
  value: number | undefined;
  unit: string;
  target: string;
  met: boolean | undefined;
}

function machine() {
  const c = cpus();
  return {
    cores: c.length,
    cpu: c[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
  };
}

function fmt(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}
function mb(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? 'n/a' : (bytes / MB).toFixed(1);
}

function mdTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const s = parseSettings(process.argv.slice(2));

  installCleanupHandlers();
  const startedAt = new Date();
  const rounds: Record<PathName, PathRound>[] = [];
  const cli: CliColdStart[] = [];
  const worker: WorkerColdStart[] = [];
  const activation: Activation[] = [];
  const sessionRuns: SessionsFigures[] = [];
  const engineRuns: EngineAloneResult[] = [];
  const floorRuns: PostFloorResult[] = [];
  const clientFloorRuns: ClientFloorResult[] = [];
  const sessionCount = s.quick ? 2 : 4;
  let activationError: string | undefined;

  progress(`${s.quick ? 'quick' : 'full'} run: ${s.rounds} round(s) of ${PATH_NAMES.join(' → ')}, ${machine().cores} cores, node ${process.version}`);
  const relay = await startRelay();
  try {
    for (let r = 0; r < s.rounds; r++) {
      const round = {} as Record<PathName, PathRound>;
      for (const name of PATH_NAMES) {
        progress(`round ${r + 1}/${s.rounds}: ${name}`);
        round[name] = await measurePath(name, s);
        const m = round[name];
        progress(`  p50 ${fmt(m.p50Ms, 3)} ms, p99 ${fmt(m.p99Ms, 3)} ms, ${fmt(m.callsPerSec, 0)} calls/s @${s.concurrency}, ${s.slowCalls}×${s.slowSeconds * 1000} ms in ${fmt(m.slowWallMs, 0)} ms`);
      }
      rounds.push(round);
      progress(`round ${r + 1}/${s.rounds}: client floor (SDK client → in-process SDK server over HTTP)`);
      const cf = await clientFloor({ warmup: s.warmup, sequential: s.sequential, concurrency: s.concurrency, loadWarmupMs: s.loadWarmupMs, loadMs: s.loadMs });
      clientFloorRuns.push(cf);
      progress(`  p50 ${fmt(cf.p50Ms, 3)} ms, ${fmt(cf.callsPerSec, 0)} calls/s @${s.concurrency}, client ${fmt(cf.clientCpuUsPerCall, 0)} µs CPU/call`);
      progress(`round ${r + 1}/${s.rounds}: engine alone, ${s.engineCommands} commands`);
      const e = await engineAlone({ concurrency: s.concurrency, warmup: s.engineWarmup, commands: s.engineCommands });
      engineRuns.push(e);
      progress(`  ${fmt(e.cpuUsPerCommand, 0)} µs CPU/command, ${fmt(e.commandsPerSecond, 0)} commands/s, ${fmt(e.batchSize, 1)} commands/poll, RSS peak ${mb(e.rssPeak)} MB`);
      const floor = await postFloor({ concurrency: s.concurrency, count: s.engineCommands, bodyBytes: e.postBytes, headerCount: e.postHeaders });
      floorRuns.push(floor);
      progress(`  floor: ${fmt(floor.cpuUsPerRequest, 0)} µs CPU per bare response POST`);
      progress(`round ${r + 1}/${s.rounds}: cold starts`);
      for (let i = 0; i < s.coldSamplesPerRound; i++) {
        cli.push(await cliColdStart(relay.info));
        worker.push(await workerColdStart(relay.info));
      }
      for (const mode of SESSION_MODES) {
        progress(`round ${r + 1}/${s.rounds}: ${sessionCount} sessions, session mode ${mode}`);
        sessionRuns.push(await measureSessions(mode, sessionCount, s.settleMs));
      }
      for (let i = 0; i < s.activationSamplesPerRound; i++) {
        const a = await measureActivation();
        if (a && 'error' in a) activationError = a.error;
        else if (a) activation.push(a);
      }
    }
  } finally {
    await relay.proc.stop('SIGTERM', 5000);
  }

  // Medians over rounds.
  const med = (name: PathName, key: keyof PathRound) => median(rounds.map((r) => r[name][key] as number));
  const paths = Object.fromEntries(
    PATH_NAMES.map((name) => [
      name,
      {
        p50Ms: med(name, 'p50Ms'),
        p99Ms: med(name, 'p99Ms'),
        callsPerSec: med(name, 'callsPerSec'),
        loadP50Ms: med(name, 'loadP50Ms'),
        loadP99Ms: med(name, 'loadP99Ms'),
        slowWallMs: med(name, 'slowWallMs'),
        clientCpuUsPerCall: med(name, 'clientCpuUsPerCall'),
        frontCpuUsPerCall: name === 'direct' ? undefined : med(name, 'frontCpuUsPerCall'),
        mcpCpuUsPerCall: med(name, 'mcpCpuUsPerCall'),
        otherCpuPct: med(name, 'otherCpuPct'),
        frontRssIdleBytes: name === 'direct' ? undefined : med(name, 'frontRssIdle'),
        frontRssLoadedBytes: name === 'direct' ? undefined : med(name, 'frontRssLoaded'),
        mcpRssIdleBytes: med(name, 'mcpRssIdle'),
        mcpRssLoadedBytes: med(name, 'mcpRssLoaded'),
        errors: rounds.reduce((sum, r) => sum + r[name].errors, 0),
      },
    ]),
  ) as Record<PathName, { p50Ms: number; p99Ms: number; callsPerSec: number; loadP50Ms: number; loadP99Ms: number; slowWallMs: number; clientCpuUsPerCall: number; frontCpuUsPerCall?: number; mcpCpuUsPerCall: number; otherCpuPct: number; frontRssIdleBytes?: number; frontRssLoadedBytes?: number; mcpRssIdleBytes: number; mcpRssLoadedBytes: number; errors: number }>;
  const ratios = {
    tunnelOverBridgeCallsPerSec: median(rounds.map((r) => r.tunnel.callsPerSec / r.bridge.callsPerSec)),
    tunnelOverDirectCallsPerSec: median(rounds.map((r) => r.tunnel.callsPerSec / r.direct.callsPerSec)),
    tunnelOverBridgeP50: median(rounds.map((r) => r.tunnel.p50Ms / r.bridge.p50Ms)),
    tunnelOverDirectP50: median(rounds.map((r) => r.tunnel.p50Ms / r.direct.p50Ms)),
    tunnelAddedP50Ms: median(rounds.map((r) => r.tunnel.p50Ms - r.direct.p50Ms)),
    bridgeAddedP50Ms: median(rounds.map((r) => r.bridge.p50Ms - r.direct.p50Ms)),
  };
  const clientCpuUsPerCall = median(clientFloorRuns.map((f) => f.clientCpuUsPerCall));
  const floorOfClient = {
    p50Ms: median(clientFloorRuns.map((f) => f.p50Ms)),
    callsPerSec: median(clientFloorRuns.map((f) => f.callsPerSec)),
    clientCpuUsPerCall,
    /** Calls/s one client process could make if it had a core to itself and the server cost nothing. */
    clientCeilingCallsPerSec: 1e6 / clientCpuUsPerCall,
    tunnelAddedP50Ms: median(rounds.map((r, i) => r.tunnel.p50Ms - clientFloorRuns[i].p50Ms)),
    errors: clientFloorRuns.reduce((sum, f) => sum + f.errors, 0),
  };
  const coldStart = {
    cliReadyLogMs: median(cli.map((c) => c.readyLogMs)),
    cliReadyzMs: median(cli.map((c) => c.readyzMs)),
    workerStartedMs: median(worker.map((w) => w.startedMs)),
    workerReadyMs: median(worker.map((w) => w.readyMs)),
    workerReadyMaxMs: max(worker.map((w) => w.readyMs)),
    samples: cli.length,
  };
  const sessionModes = Object.fromEntries(
    SESSION_MODES.map((mode) => {
      const runs = sessionRuns.filter((f) => f.mode === mode);
      const m = (key: keyof SessionsFigures) => median(runs.map((f) => f[key] as number));
      return [
        mode,
        {
          sessions: sessionCount,
          children: m('children'),
          childrenRssBytes: m('childrenRssBytes'),
          loopbackRssBytes: m('loopbackRssBytes'),
          initializeMs: m('initializeMs'),
          firstCallMs: m('firstCallMs'),
          errors: runs.reduce((sum, f) => sum + f.errors, 0),
        },
      ];
    }),
  ) as Record<SessionMode, Omit<SessionsFigures, 'mode'>>;
  const engine = {
    cpuUsPerCommand: median(engineRuns.map((e) => e.cpuUsPerCommand)),
    commandsPerSecond: median(engineRuns.map((e) => e.commandsPerSecond)),
    rssIdleBytes: median(engineRuns.map((e) => e.rssIdle)),
    rssPeakBytes: median(engineRuns.map((e) => e.rssPeak)),
    commandsPerPoll: median(engineRuns.map((e) => e.batchSize)),
    postBytes: median(engineRuns.map((e) => e.postBytes)),
    postHeaders: median(engineRuns.map((e) => e.postHeaders)),
    postFloorCpuUs: median(floorRuns.map((f) => f.cpuUsPerRequest)),
    commands: s.engineCommands,
    errors: engineRuns.reduce((sum, e) => sum + e.errors, 0),
  };
  const pkg = vsix();
  const extension = {
    activationError,
    activationMs: activation.length > 0 ? median(activation.map((a) => a.totalMs)) : undefined,
    requireMs: activation.length > 0 ? median(activation.map((a) => a.requireMs)) : undefined,
    activateMs: activation.length > 0 ? median(activation.map((a) => a.activateMs)) : undefined,
    extensionJsBytes: extensionBytes(),
    vsixFile: pkg?.file,
    vsixBytes: pkg?.bytes,
  };
  const t = paths.tunnel;
  const perSession = sessionModes.per_session;
  const targets: Target[] = [
    { name: 'engine alone: CPU per polled command', value: engine.cpuUsPerCommand, unit: 'µs', target: '≤ 60 µs', met: engine.cpuUsPerCommand <= 60 },
    { name: 'engine alone: commands/s', value: engine.commandsPerSecond, unit: '/s', target: 'report', met: undefined },
    { name: 'engine alone: RSS under load (peak)', value: engine.rssPeakBytes / MB, unit: 'MB', target: '≤ 90 MB', met: engine.rssPeakBytes <= 90 * MB },
    { name: 'tunnel ÷ bridge calls/s (64 concurrent)', value: ratios.tunnelOverBridgeCallsPerSec, unit: '×', target: '≥ 3×', met: ratios.tunnelOverBridgeCallsPerSec >= 3 },
    { name: 'tunnel p50 added over direct', value: ratios.tunnelAddedP50Ms, unit: 'ms', target: '≤ 0.8 ms', met: ratios.tunnelAddedP50Ms <= 0.8 },
    { name: 'tunnel p50 added over the client floor (HTTP)', value: floorOfClient.tunnelAddedP50Ms, unit: 'ms', target: 'report', met: undefined },
    { name: 'tunnel calls/s ÷ client ceiling', value: paths.tunnel.callsPerSec / floorOfClient.clientCeilingCallsPerSec, unit: '×', target: 'report', met: undefined },
    { name: '32 × 100 ms stdio calls through the tunnel', value: t.slowWallMs, unit: 'ms', target: '≤ 300 ms', met: t.slowWallMs <= 300 },
    { name: 'loopback RSS idle', value: t.frontRssIdleBytes === undefined ? undefined : t.frontRssIdleBytes / MB, unit: 'MB', target: '≤ 60 MB', met: t.frontRssIdleBytes === undefined ? undefined : t.frontRssIdleBytes <= 60 * MB },
    { name: 'loopback RSS loaded (peak)', value: t.frontRssLoadedBytes === undefined ? undefined : t.frontRssLoadedBytes / MB, unit: 'MB', target: '≤ 120 MB', met: t.frontRssLoadedBytes === undefined ? undefined : t.frontRssLoadedBytes <= 120 * MB },
    { name: 'worker cold start to ready', value: coldStart.workerReadyMs, unit: 'ms', target: '≤ 100 ms', met: coldStart.workerReadyMs <= 100 },
    { name: 'per_session: new session to first answer', value: perSession.firstCallMs, unit: 'ms', target: '≤ 1000 ms', met: perSession.firstCallMs <= 1000 },
    {
      name: 'per_session: RSS per session (its child)',
      value: perSession.sessions > 0 ? perSession.childrenRssBytes / perSession.sessions / MB : undefined,
      unit: 'MB',
      target: 'report',
      met: undefined,
    },
    { name: 'extension activation (approx.)', value: extension.activationMs, unit: 'ms', target: '≤ 20 ms', met: extension.activationMs === undefined ? undefined : extension.activationMs <= 20 },
    { name: 'dist/extension.js size', value: extension.extensionJsBytes === undefined ? undefined : extension.extensionJsBytes / 1024, unit: 'KiB', target: '≤ 600 KiB', met: extension.extensionJsBytes === undefined ? undefined : extension.extensionJsBytes <= 600 * 1024 },
    { name: '.vsix size', value: extension.vsixBytes === undefined ? undefined : extension.vsixBytes / MB, unit: 'MB', target: '≤ 1 MB', met: extension.vsixBytes === undefined ? undefined : extension.vsixBytes <= 1 * MB },
  ];
  const errors = PATH_NAMES.reduce((sum, n) => sum + paths[n].errors, 0) + SESSION_MODES.reduce((sum, m) => sum + sessionModes[m].errors, 0) + engine.errors + floorOfClient.errors;
  const info = machine();
  const config = {
    mode: s.quick ? 'quick' : 'full',
    rounds: s.rounds,
    order: PATH_NAMES,
    message: '1 KiB echo',
    warmupCalls: s.warmup,
    sequentialCalls: s.sequential,
    concurrency: s.concurrency,
    concurrencyModel: 'concurrent callTool on one client session',
    loadWarmupMs: s.loadWarmupMs,
    loadMs: s.loadMs,
    slow: `${s.slowCalls} × trigger-long-running-operation {duration: ${s.slowSeconds}, steps: 1}`,
    bridge: 'supergateway --outputTransport streamableHttp --stateful --logLevel none',
  };

  if (s.json) {
    const out = {
      date: startedAt.toISOString(),
      machine: info,
      config,
      paths,
      ratios,
      clientFloor: floorOfClient,
      coldStart,
      sessionModes,
      engine,
      extension,
      targets,
      errors,
      rounds,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } else {
    process.stdout.write(report() + '\n');
  }
  if (!s.quick) {
    const file = join(__dirname, 'RESULTS.md');
    writeFileSync(file, report() + '\n');
    progress(`wrote ${file}`);
  }
  if (errors > 0) {
    progress(`${errors} call(s) failed`);
    return 1;
  }
  return 0;

  function report(): string {
    const status = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'met' : 'MISSED');
    const pathRows = PATH_NAMES.map((n) => {
      const p = paths[n];
      return [
        n,
        fmt(p.p50Ms, 3),
        fmt(p.p99Ms, 3),
        fmt(p.callsPerSec, 0),
        fmt(p.loadP50Ms, 1),
        fmt(p.loadP99Ms, 1),
        fmt(p.slowWallMs, 0),
        `${fmt(p.clientCpuUsPerCall, 0)} / ${n === 'direct' ? '-' : fmt(p.frontCpuUsPerCall, 0)} / ${fmt(p.mcpCpuUsPerCall, 0)}`,
        n === 'direct' ? '-' : `${mb(p.frontRssIdleBytes)} / ${mb(p.frontRssLoadedBytes)}`,
        `${mb(p.mcpRssIdleBytes)} / ${mb(p.mcpRssLoadedBytes)}`,
        String(p.errors),
        fmt(p.otherCpuPct, 0),
      ];
    });
    const targetRows = targets.map((x) => [
      x.name,
      BASELINE.figures[x.name] ?? '',
      x.value === undefined ? 'n/a' : `${fmt(x.value, x.unit === 'ms' ? 3 : x.unit === 'µs' || x.unit === 'KiB' || x.unit === '/s' ? 0 : 2)} ${x.unit}`,
      x.target,
      x.target === 'report' ? '' : status(x.met),
    ]);
    const otherRows: string[][] = [
      ['tunnel ÷ direct calls/s', `${fmt(ratios.tunnelOverDirectCallsPerSec)} ×`],
      ['tunnel ÷ bridge p50 latency', `${fmt(ratios.tunnelOverBridgeP50)} ×`],
      ['tunnel ÷ direct p50 latency', `${fmt(ratios.tunnelOverDirectP50)} ×`],
      ['bridge p50 added over direct', `${fmt(ratios.bridgeAddedP50Ms, 3)} ms`],
      ['CLI `run` cold start: spawn → "tunnel ready" log', `${fmt(coldStart.cliReadyLogMs, 0)} ms`],
      ['CLI `run` cold start: spawn → /readyz 200', `${fmt(coldStart.cliReadyzMs, 0)} ms`],
      ["worker cold start: fork → 'started'", `${fmt(coldStart.workerStartedMs, 0)} ms`],
      ["worker cold start: fork → 'state' ready (max of samples)", `${fmt(coldStart.workerReadyMaxMs, 0)} ms`],
      [
        'extension: require / activate()',
        extension.activationMs !== undefined
          ? `${fmt(extension.requireMs, 1)} / ${fmt(extension.activateMs, 1)} ms`
          : activationError !== undefined
            ? `failed under the fake host: ${activationError.replace(/\|/g, '/')}`
            : 'n/a (no dist/extension.js)',
      ],
      ['dist/extension.js size', extension.extensionJsBytes === undefined ? 'n/a (not built yet)' : `${(extension.extensionJsBytes / 1024).toFixed(0)} KiB`],
      ['.vsix', extension.vsixFile === undefined ? 'n/a (not packaged yet)' : `${extension.vsixFile}, ${(extension.vsixBytes! / 1024).toFixed(0)} KiB`],
    ];
    return [
      `# MCP Tunnel benchmark`,
      '',
      `${startedAt.toISOString()} · node ${info.node} · ${info.cores} cores (${info.cpu}) · ${info.memoryGiB} GiB · ${info.os}`,
      '',
      `${config.mode} run, ${s.rounds} round(s), paths alternated ${PATH_NAMES.join(' → ')} each round; every figure is the median over rounds.`,
      `Client: @modelcontextprotocol/sdk Client (same process for all paths). Server: @modelcontextprotocol/server-everything over stdio, tool \`echo\`, 1 KiB message.`,
      `Latency: ${s.sequential} sequential calls after ${s.warmup} warm-up calls. Throughput: ${s.concurrency} concurrent callTool on ONE client session for ${s.loadMs / 1000} s (after a ${s.loadWarmupMs / 1000} s warm-up burst).`,
      `Slow calls: ${config.slow}, all at once, wall time (median of ${s.slowReps}). Bridge: ${config.bridge}. Tunnel: \`mcp-tunnel loopback --mcp-command … --print-json\`, Bearer front-door token.`,
      `CPU µs/call: CPU time (user + system) used during the ${s.concurrency}-caller load divided by the calls made, for the benchmark process (the SDK client), the front process (supergateway or the loopback: relay + engine) and the MCP child; from /proc/<pid>/stat at 10 ms resolution.`,
      `Other load %: CPU used by processes that are not the benchmark's during the ${s.concurrency}-caller load, in % of the whole machine (/proc/stat); high values mean the figures are disturbed.`,
      `RSS: VmRSS from /proc; idle = ${s.settleMs} ms after the session opened, loaded = peak sampled every 100 ms during the ${s.concurrency}-caller load and the slow calls. "MCP child" = every process below the front process (supergateway's includes its /bin/sh).`,
      '',
      '## Paths',
      '',
      mdTable(['path', 'p50 ms', 'p99 ms', `calls/s @${s.concurrency}`, `p50 ms @${s.concurrency}`, `p99 ms @${s.concurrency}`, `${s.slowCalls}×${s.slowSeconds * 1000} ms wall`, `CPU µs/call @${s.concurrency} client / front / MCP`, 'front RSS MB idle / loaded', 'MCP child RSS MB idle / loaded', 'errors', 'other load %'], pathRows),
      '',
      '## Client floor',
      '',
      mdTable(
        ['p50 ms', `calls/s @${s.concurrency}`, `client CPU µs/call @${s.concurrency}`, 'client ceiling calls/s', 'tunnel p50 added over it ms', 'errors'],
        [[fmt(floorOfClient.p50Ms, 3), fmt(floorOfClient.callsPerSec, 0), fmt(floorOfClient.clientCpuUsPerCall, 0), fmt(floorOfClient.clientCeilingCallsPerSec, 0), fmt(floorOfClient.tunnelAddedP50Ms, 3), String(floorOfClient.errors)]],
      ),
      '',
      `The same SDK client and fetch as the bridge and tunnel paths, against \`bench/http-echo-server.cjs\` (an SDK \`McpServer\` answering \`echo\` in its own process: no stdio hop, no relay; JSON responses), same counts, once per round. Its p50 is the least any HTTP path adds over direct stdio for this client; client ceiling = 1,000,000 ÷ its CPU µs per call, the calls/s this client process could make with a core to itself against a server that cost nothing (the floor's own calls/s are lower than that: this server builds a transport per request). Throughput on the HTTP paths is bounded by it: the client shares two cores with the front process and the MCP child.`,
      '',
      '## Session modes',
      '',
      mdTable(
        ['session mode', 'sessions', 'children', 'children RSS MB', 'loopback RSS MB', 'new session: initialize ms', 'new session: to first tools/list ms', 'errors'],
        SESSION_MODES.map((mode) => {
          const f = sessionModes[mode];
          return [mode, String(f.sessions), fmt(f.children, 0), fmt(f.childrenRssBytes / MB, 0), fmt(f.loopbackRssBytes / MB, 0), fmt(f.initializeMs, 1), fmt(f.firstCallMs, 1), String(f.errors)];
        }),
      ),
      '',
      `\`mcp-tunnel loopback --session-mode MODE --max-sessions ${sessionCount}\`, ${sessionCount} sessions opened one after the other (raw POSTs: initialize, notifications/initialized, tools/list), each holding its session open; children and RSS ${s.settleMs} ms after the last one opened (per_session: one server-everything per session; the startup probe's throwaway child is gone by then). A new session's initialize in per_session mode spawns and initializes its child; in shared mode it is answered from the cache.`,
      '',
      '## Engine alone',
      '',
      mdTable(
        ['CPU µs/command', 'floor: bare POST µs', 'commands/s', 'commands/poll', 'engine RSS MB idle / peak', 'errors'],
        [[fmt(engine.cpuUsPerCommand, 0), fmt(engine.postFloorCpuUs, 0), fmt(engine.commandsPerSecond, 0), fmt(engine.commandsPerPoll, 1), `${mb(engine.rssIdleBytes)} / ${mb(engine.rssPeakBytes)}`, String(engine.errors)]],
      ),
      '',
      `\`mcp-tunnel run\` (stdio server-everything, \`MCP_MAX_CONCURRENT_REQUESTS=${s.concurrency}\`) against a minimal control plane in the benchmark process (node:http on loopback) that hands out batches of up to 25 \`tools/call echo\` commands (1 KiB) and keeps ${s.concurrency} outstanding; ${s.engineCommands} commands after ${s.engineWarmup} warm-up ones. CPU = the engine process's own user + system time (not its MCP child's) per command; RSS idle = after the session opened, peak = sampled every 50 ms during the load. Floor: \`bench/post-floor.cjs\` makes only the response POSTs the protocol requires (one per command, ${fmt(engine.postBytes, 0)}-byte body, ${fmt(engine.postHeaders, 0)} headers, the engine's undici settings, ${s.concurrency} at once) against the same kind of server, and reports its own CPU per request: no tunnel client can spend less per command than this on this machine.`,
      '',
      '## Targets',
      '',
      mdTable(['figure', 'before', 'measured', 'target', 'status'], targetRows),
      '',
      `Before: ${BASELINE.measured} (\`bench/baseline.json\`).`,
      '',
      FLOORS,
      '',
      '## Other figures',
      '',
      mdTable(['figure', 'measured'], otherRows),
      '',
      `Cold starts: median of ${coldStart.samples} samples each, against one \`mcp-tunnel relay --print-json\`; the MCP server (server-everything) starts inside each. Extension activation: \`require(dist/extension.js)\` + \`activate()\` in a fresh node with a fake \`vscode\` module (bench/activation-probe.cjs), which approximates the real extension host.`,
    ].join('\n');
  }
}

runMain('bench', main);
