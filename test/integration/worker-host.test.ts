/**
 * The worker supervisor against the real thing: the bundled dist/worker.js
 * (run `npm run build` first), a real relay as control plane and
 * server-everything as the stdio MCP server.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:net';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { EngineConfig } from '../../src/engine/config';
import type { EngineStatus } from '../../src/engine/events';
import type { LogRecord } from '../../src/engine/log';
import { WorkerHost, type WorkerHostEvents, type WorkerHostOptions } from '../../src/host/workerHost';
import { Relay, type RelayStartInfo } from '../../src/relay/relay';
import { IPC_VERSION } from '../../src/worker/ipc';
import { engineConfigFor } from '../helpers/config';
import { EVERYTHING, everythingStdioArgv, ROOT, WORKER } from '../helpers/everything';
import { cmdlineOf, descendantPids, environOf, pgidOf, running } from '../helpers/processes';
import { sleep, waitFor } from '../helpers/wait';

const CRASH = join(ROOT, 'test', 'fixtures', 'worker', 'crash.js');
const GROUP_LEADER = join(ROOT, 'test', 'fixtures', 'stdio', 'group-leader.js');

function configFor(info: RelayStartInfo, argv = everythingStdioArgv()): EngineConfig {
  return engineConfigFor(info, { kind: 'stdio', channel: 'main', argv, env: {} });
}

/** Resolves with the arguments of the next `event` that passes `accept`. */
function next<E extends keyof WorkerHostEvents>(
  host: WorkerHost,
  event: E,
  accept: (...args: Parameters<WorkerHostEvents[E]>) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<Parameters<WorkerHostEvents[E]>> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: Parameters<WorkerHostEvents[E]>) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      host.off(event, listener);
      resolve(args);
    }) as WorkerHostEvents[E];
    const timer = setTimeout(() => {
      host.off(event, listener);
      reject(new Error(`timed out waiting for '${event}'`));
    }, timeoutMs);
    host.on(event, listener);
  });
}

const isReady = (status: EngineStatus) => status.state === 'ready';

describe('WorkerHost: supervising a real tunnel worker', function () {
  this.timeout(60_000);
  let relay: Relay;
  let info: RelayStartInfo;
  const hosts: WorkerHost[] = [];

  before(async () => {
    relay = new Relay({ frontDoorAuth: 'none' });
    info = await relay.start();
  });

  after(async () => {
    await relay?.close();
  });

  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop(2000)));
  });

  function host(options: Partial<WorkerHostOptions> = {}): WorkerHost {
    const h = new WorkerHost({ workerPath: WORKER, config: configFor(info), metricsIntervalMs: 200, ...options });
    hosts.push(h);
    return h;
  }

  /** Starts and waits until the engine reports ready with its MCP server running. */
  async function startReady(h: WorkerHost): Promise<{ workerPid: number; mcpPid: number }> {
    const ready = next(h, 'state', (s) => isReady(s) && s.channels[0]?.pid !== undefined);
    await h.start();
    const [status] = await ready;
    return { workerPid: h.pid!, mcpPid: status.channels[0]!.pid! };
  }

  it('starts the worker and reports the engine ready', async () => {
    const h = host();
    const states: string[] = [];
    h.on('supervisorState', (s) => states.push(s));
    const { workerPid } = await startReady(h);
    assert.equal(h.running, true);
    assert.ok(running(workerPid));
    assert.equal(h.lastStatus?.state, 'ready');
    assert.match(h.healthUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+/);
    assert.deepEqual(states, ['starting', 'running']);
  });

  it('answers a command enqueued on the relay and reports its trace and metrics', async () => {
    const h = host();
    await startReady(h);
    const trace = next(h, 'trace', (entry) => entry.method === 'tools/list');
    const handle = relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    const terminal = await handle.terminal;
    assert.equal(terminal.resp_type, 'jsonrpc_response');
    assert.match(JSON.stringify(terminal), /echo/);
    const [entry] = await trace;
    assert.equal(entry.outcome, 'ok');
    await waitFor(() => (h.lastMetrics?.commands && Object.values(h.lastMetrics.commands).some((n) => n > 0)) === true, 5000, 'a metrics snapshot counting the command');
  });

  it('runs the worker with a heap sized for hours of small commands, the caller\'s own node flags after it so they win', async () => {
    const h = host({ execArgv: ['--max-semi-space-size=8'] });
    const { workerPid } = await startReady(h);
    const argv = cmdlineOf(workerPid);
    const at = (flag: string) => argv.indexOf(flag);
    assert.ok(at('--max-semi-space-size=4') > 0, `small young generation in ${argv.join(' ')}`);
    assert.ok(at('--heap-growing-percent=20') > 0, `tight old-generation growth in ${argv.join(' ')}`);
    assert.ok(at('--max-semi-space-size=8') > at('--max-semi-space-size=4'), 'the caller\'s flag comes last');
  });

  it('keeps the API key out of the worker argv, its environment and every log record', async () => {
    const logs: LogRecord[] = [];
    // A key in the host's environment, under the usual name and under one nobody would guess.
    const h = host({
      env: { ...process.env, CONTROL_PLANE_API_KEY: info.apiKey, MY_TUNNEL_THING: info.apiKey, GITHUB_TOKEN: 'ghp_not_for_the_worker' },
      config: { ...configFor(info), log: { level: 'debug' } },
    });
    h.on('log', (r) => logs.push(r));
    const { workerPid, mcpPid } = await startReady(h);
    await relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 2, method: 'tools/list' } }).terminal;

    assert.ok(!cmdlineOf(workerPid).join(' ').includes(info.apiKey), 'not in argv');
    const env = environOf(workerPid);
    assert.ok(!Object.values(env).some((v) => v.includes(info.apiKey)), 'not in the worker environment');
    assert.equal(env.CONTROL_PLANE_API_KEY, undefined);
    assert.equal(env.GITHUB_TOKEN, undefined);
    assert.equal(env.ELECTRON_RUN_AS_NODE, '1');
    assert.equal(env.PATH, process.env.PATH);
    assert.ok(!Object.values(environOf(mcpPid)).some((v) => v.includes(info.apiKey)), 'not in the MCP server environment');
    assert.ok(logs.length > 0);
    assert.ok(!JSON.stringify(logs).includes(info.apiKey), 'not in any log record');
  });

  it('stop() ends the worker and its MCP server, and nothing restarts', async () => {
    const h = host({ restart: { initialMs: 20 } });
    const { workerPid, mcpPid } = await startReady(h);
    assert.ok(descendantPids(workerPid).includes(mcpPid), 'the MCP server is a descendant of the worker');
    const exits: { expected: boolean }[] = [];
    let restarts = 0;
    h.on('exit', (e) => exits.push(e));
    h.on('restarting', () => restarts++);

    await h.stop();
    await h.stop();

    assert.equal(running(workerPid), false);
    await waitFor(() => !running(mcpPid), 5000, 'the MCP server to end');
    assert.deepEqual(exits.map((e) => e.expected), [true]);
    await sleep(300);
    assert.equal(restarts, 0);
    assert.equal(h.state, 'stopped');
    assert.equal(h.pid, undefined);
  });

  it('stop() kills a hung worker with its whole tree, MCP grandchildren in their own process group included', async () => {
    // npx-like: a stubborn parent (ignores SIGTERM and stdin EOF) running server-everything as its child.
    const argv = [process.execPath, GROUP_LEADER, '--stubborn', EVERYTHING, 'stdio'];
    const h = host({ config: configFor(info, argv) });
    const { workerPid, mcpPid } = await startReady(h);
    let tree: number[] = [];
    await waitFor(() => (tree = descendantPids(workerPid)).length >= 2, 5000, 'the leader and its child below the worker');
    assert.notEqual(pgidOf(mcpPid), pgidOf(workerPid), 'the MCP server has its own process group');
    const exit = next(h, 'exit');

    process.kill(workerPid, 'SIGSTOP'); // hung: it will not answer 'stop'
    const began = Date.now();
    await h.stop(500);

    assert.ok(Date.now() - began < 4000, 'gave up waiting after the timeout');
    const [info_] = await exit;
    assert.equal(info_.expected, true);
    assert.equal(info_.signal, 'SIGKILL');
    await waitFor(() => ![workerPid, ...tree].some(running), 3000, 'the whole tree to be gone');
    assert.equal(h.state, 'stopped');
  });

  it('restarts a crashed worker, which becomes ready again, and cleans up the old MCP server', async () => {
    const h = host({ restart: { initialMs: 50 } });
    const first = await startReady(h);
    const exit = next(h, 'exit');
    const restarting = next(h, 'restarting');
    const started = next(h, 'started');

    process.kill(first.workerPid, 'SIGKILL');

    const [crash] = await exit;
    assert.deepEqual({ expected: crash.expected, signal: crash.signal }, { expected: false, signal: 'SIGKILL' });
    const [restart] = await restarting;
    assert.deepEqual({ attempt: restart.attempt, delayMs: restart.delayMs }, { attempt: 1, delayMs: 50 });
    assert.match(restart.reason, /killed by SIGKILL/);
    const [{ pid }] = await started;
    assert.notEqual(pid, first.workerPid);
    await waitFor(() => h.lastStatus?.state === 'ready' && h.lastStatus.channels[0]?.pid !== first.mcpPid, 20_000, 'the new worker to be ready');
    assert.equal(h.pid, pid);
    assert.equal(h.state, 'running');
    await waitFor(() => !running(first.mcpPid), 3000, 'the orphaned MCP server of the crashed worker to end');
    await relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 3, method: 'tools/list' } }).terminal;
  });

  it('does not leave a crashed worker\'s MCP servers running, even ones that ignore stdin EOF and SIGTERM', async () => {
    const argv = [process.execPath, GROUP_LEADER, '--stubborn', EVERYTHING, 'stdio'];
    const h = host({ config: configFor(info, argv), restart: { initialMs: 30_000 } });
    const { workerPid } = await startReady(h);
    let tree: number[] = [];
    await waitFor(() => (tree = descendantPids(workerPid)).length >= 2, 5000, 'the leader and its child below the worker');
    const exit = next(h, 'exit');

    process.kill(workerPid, 'SIGKILL');

    assert.equal((await exit)[0].expected, false);
    await waitFor(() => !tree.some(running), 3000, 'the orphaned MCP processes to end');
    assert.equal(h.state, 'restarting');
  });

  it('stop() while the worker is still starting rejects start() and leaves nothing running', async () => {
    const h = host();
    const exits: boolean[] = [];
    h.on('exit', (e) => exits.push(e.expected));
    const started = h.start();
    started.catch(() => undefined);
    assert.equal(h.state, 'starting');
    const workerPid = h.pid!;

    await h.stop();

    await assert.rejects(started, /stopped before its worker was running/);
    assert.deepEqual(exits, [true]);
    assert.equal(running(workerPid), false);
    assert.equal(h.state, 'stopped');
  });

  it('gives up on a worker that keeps crashing, saying why', async () => {
    const h = host({ workerPath: CRASH, restart: { initialMs: 10, maxMs: 15, maxAttempts: 3 } });
    const restarts: { attempt: number; delayMs: number }[] = [];
    const gaveUp: string[] = [];
    h.on('restarting', ({ attempt, delayMs }) => restarts.push({ attempt, delayMs }));
    h.on('gaveUp', ({ reason }) => gaveUp.push(reason));

    await assert.rejects(h.start(), (err: Error) => {
      assert.match(err.message, /exited with code 1/);
      assert.match(err.message, /3 times/);
      assert.match(err.message, /crash fixture: giving up on purpose/);
      return true;
    });

    assert.deepEqual(restarts, [
      { attempt: 1, delayMs: 10 },
      { attempt: 2, delayMs: 15 },
    ]);
    assert.equal(gaveUp.length, 1);
    assert.equal(h.state, 'crashed');
    await sleep(200);
    assert.equal(restarts.length, 2, 'no restart after giving up');
  });

  it('stop() during the backoff wait cancels the restart', async () => {
    const h = host({ workerPath: CRASH, restart: { initialMs: 400 } });
    const started = h.start();
    started.catch(() => undefined);
    await next(h, 'restarting');
    let forks = 0;
    h.on('supervisorState', (s) => s === 'starting' && forks++);

    await h.stop();

    await assert.rejects(started, /stopped before its worker was running/);
    await sleep(600);
    assert.equal(forks, 0);
    assert.equal(h.state, 'stopped');
  });

  it('setLogLevel("debug") brings debug records from the running worker without a restart', async () => {
    const h = host();
    const { workerPid } = await startReady(h);
    const debug: LogRecord[] = [];
    let exits = 0;
    h.on('log', (r) => r.level === 'debug' && debug.push(r));
    h.on('exit', () => exits++);
    // A stdio channel logs session terminations at debug level.
    const terminate = () => relay.enqueue({ command_type: 'session_termination', headers: { 'Mcp-Session-Id': ['abc'] } }).terminal;
    await terminate();
    assert.equal(debug.length, 0, 'nothing at debug while the level is info');

    const switched = next(h, 'log', (r) => /log level set to debug/.test(r.msg));
    h.setLogLevel('debug');
    await switched;
    await terminate();

    await waitFor(() => debug.some((r) => /session termination/.test(r.msg)), 5000, 'a debug record');
    assert.equal(h.pid, workerPid);
    assert.equal(exits, 0);
  });

  it('rejects start() with the worker\'s own reason when the engine cannot start, and does not retry', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const h = host({ config: { ...configFor(info), health: { listenAddr: `127.0.0.1:${port}` } }, restart: { initialMs: 10 } });
      let restarts = 0;
      h.on('restarting', () => restarts++);
      await assert.rejects(h.start(), (err: Error) => {
        assert.match(err.message, /could not start/);
        assert.match(err.message, new RegExp(String(port)));
        return true;
      });
      assert.equal(restarts, 0);
      assert.equal(h.state, 'crashed');
    } finally {
      taken.close();
    }
  });

  it('rejects start() with a clear message when the worker file does not exist', async () => {
    const h = host({ workerPath: join(ROOT, 'dist', 'no-such-worker.js') });
    const gaveUp = next(h, 'gaveUp');
    await assert.rejects(h.start(), /no-such-worker\.js: no such file\. Rebuild \(npm run build\) or reinstall the extension/);
    await gaveUp;
    assert.equal(h.state, 'crashed');
    assert.equal(h.pid, undefined);
  });

  it('a worker sent a start message it cannot read says so and exits, instead of leaving the host waiting', async () => {
    const child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const messages: unknown[] = [];
    child.on('message', (m) => messages.push(m));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.send({ type: 'start', version: IPC_VERSION, config: { controlPlane: {} } });
    assert.equal(await exited, 2);
    assert.deepEqual(messages, [{ type: 'fatal', message: `the tunnel worker (IPC version ${IPC_VERSION}) cannot read the start message it was sent: reinstall the extension` }]);
  });
});
