/**
 * StdioChannel against the real `@modelcontextprotocol/server-everything`
 * stdio server, plus two small fixtures for what a real server will not do on
 * demand (answer after a cancellation, print an oversized line, fork a
 * grandchild like npx).
 */
import { strict as assert } from 'node:assert';
import { running } from '../helpers/processes';
import path from 'node:path';
import type { StdioTarget } from '../../src/engine/config';
import { DeadlineExceededError, TunnelFailureError } from '../../src/engine/failure';
import { Logger, type LogRecord } from '../../src/engine/log';
import type { ChannelStatus, McpOutcome } from '../../src/engine/mcp/channel';
import { StdioChannel, type StdioChannelOptions } from '../../src/engine/mcp/stdio';
import type { JsonRpcId, JsonRpcMessage } from '../../src/protocol/jsonrpc';

const ROOT = path.resolve(__dirname, '../..');
const EVERYTHING = path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const FAKE = path.join(ROOT, 'test/fixtures/stdio/fake-server.js');
const LEADER = path.join(ROOT, 'test/fixtures/stdio/group-leader.js');

const CLIENT_INFO = { name: 'stdio-channel-test', version: '1.0.0' };

interface Harness {
  channel: StdioChannel;
  logs: LogRecord[];
  stderr: string[];
  bytesOut: () => number;
}

const open: StdioChannel[] = [];

function makeChannel(argv: string[], options: StdioChannelOptions = {}, env: Record<string, string> = {}): Harness {
  const target: StdioTarget = { kind: 'stdio', channel: 'main', argv, env };
  const logger = Logger.create('debug', 'test');
  const logs: LogRecord[] = [];
  logger.addSink((r) => logs.push(r));
  const channel = new StdioChannel(target, logger, { restartBackoff: { initialMs: 50, maxMs: 500 }, stopGraceMs: 1500, ...options });
  const stderr: string[] = [];
  let out = 0;
  channel.on('stderr', (line) => stderr.push(line));
  channel.on('bytes', (direction, count) => {
    if (direction === 'out') out += count;
  });
  open.push(channel);
  return { channel, logs, stderr, bytesOut: () => out };
}

const everything = (options?: StdioChannelOptions, env?: Record<string, string>) =>
  makeChannel([process.execPath, EVERYTHING, 'stdio'], options, env);

interface Sent {
  outcome: Promise<McpOutcome>;
  notes: JsonRpcMessage[];
  abort: AbortController;
}

function send(channel: StdioChannel, message: Record<string, unknown>, headers: Record<string, string[]> = {}): Sent {
  const notes: JsonRpcMessage[] = [];
  const abort = new AbortController();
  const outcome = channel.call({ message: message as unknown as JsonRpcMessage, headers, signal: abort.signal, onNotify: (m) => notes.push(m) });
  return { outcome, notes, abort };
}

async function request(channel: StdioChannel, id: JsonRpcId, method: string, params?: unknown): Promise<Record<string, unknown>> {
  const outcome = await send(channel, { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }).outcome;
  assert.equal(outcome.kind, 'response');
  return (outcome as Extract<McpOutcome, { kind: 'response' }>).json;
}

async function initialize(channel: StdioChannel, id: JsonRpcId = 0, protocolVersion = '2025-06-18', capabilities = {}) {
  const json = await request(channel, id, 'initialize', { protocolVersion, capabilities, clientInfo: CLIENT_INFO });
  const ack = await send(channel, { jsonrpc: '2.0', method: 'notifications/initialized' }).outcome;
  assert.equal(ack.kind, 'ack');
  return json;
}

function toolText(json: Record<string, unknown>): string {
  const result = json.result as { content: Array<{ type: string; text: string }> };
  return result.content[0].text;
}

function callTool(channel: StdioChannel, id: JsonRpcId, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) {
  return send(channel, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } });
}

function waitForStatus(channel: StdioChannel, predicate: (s: ChannelStatus) => boolean, ms = 10_000): Promise<ChannelStatus> {
  if (predicate(channel.status())) return Promise.resolve(channel.status());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`status not reached; last: ${JSON.stringify(channel.status())}`)), ms);
    channel.on('status', (s) => {
      if (predicate(s)) {
        clearTimeout(timer);
        resolve(s);
      }
    });
  });
}

/** Alive and not a zombie (this container's init does not reap orphans). */
const isAlive = running;

async function rejectsWith<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    return err as T;
  }
  assert.fail(`expected a ${type.name} rejection`);
}

describe('StdioChannel with a real stdio MCP server', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  it('declares itself as a process-affine stdio channel named after the target', () => {
    const { channel } = everything();
    assert.equal(channel.kind, 'stdio');
    assert.equal(channel.procAffinity, true);
    assert.equal(channel.name, 'main');
    assert.equal(channel.status().state, 'stopped');
  });

  it('initializes, then lists tools, with the caller ids and JSON headers', async () => {
    const { channel, stderr } = everything();
    await channel.start();
    const ready = channel.status();
    assert.equal(ready.state, 'ready');
    assert.ok(ready.pid && ready.pid > 0);
    assert.ok(ready.startedAt);

    const init = await initialize(channel, 'init-1');
    assert.equal(init.id, 'init-1');
    const result = init.result as { protocolVersion: string; serverInfo: { name: string } };
    assert.equal(result.protocolVersion, '2025-06-18');
    assert.equal(result.serverInfo.name, 'mcp-servers/everything');

    const outcome = await send(channel, { jsonrpc: '2.0', id: 2, method: 'tools/list' }).outcome;
    assert.deepEqual({ kind: outcome.kind, status: outcome.status, headers: outcome.headers }, {
      kind: 'response',
      status: 200,
      headers: { 'Content-Type': ['application/json'] },
    });
    const json = (outcome as Extract<McpOutcome, { kind: 'response' }>).json;
    assert.equal(json.id, 2);
    const names = (json.result as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    assert.ok(names.includes('echo') && names.includes('trigger-long-running-operation'));
    // The server's stderr banner arrives as stderr lines, not as protocol traffic.
    assert.ok(stderr.some((l) => l.includes('Starting default (STDIO) server')));
  });

  it('serves a second session initialize from the cache without writing to the child', async () => {
    const { channel, bytesOut } = everything();
    const first = await initialize(channel, 1, '2025-06-18');
    const pid = channel.status().pid;
    const written = bytesOut();

    const second = await initialize(channel, 'session-b', '2024-11-05');

    assert.equal(bytesOut(), written, 'the second initialize or its initialized notification reached the child');
    assert.equal(channel.status().pid, pid);
    assert.equal(second.id, 'session-b');
    // The shared child already negotiated 2025-06-18; that is the only version it can honour.
    assert.equal((second.result as { protocolVersion: string }).protocolVersion, '2025-06-18');
    assert.deepEqual(second.result, first.result);
  });

  it('makes concurrent first initializes wait for the one that reaches the child', async () => {
    const { channel, bytesOut } = everything();
    await channel.start();
    const params = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: CLIENT_INFO };
    const a = send(channel, { jsonrpc: '2.0', id: 1, method: 'initialize', params });
    const b = send(channel, { jsonrpc: '2.0', id: 1, method: 'initialize', params });
    const c = send(channel, { jsonrpc: '2.0', id: 'c', method: 'initialize', params });
    const [ra, rb, rc] = (await Promise.all([a.outcome, b.outcome, c.outcome])) as Array<Extract<McpOutcome, { kind: 'response' }>>;
    assert.deepEqual([ra.json.id, rb.json.id, rc.json.id], [1, 1, 'c']);
    assert.deepEqual(rb.json.result, ra.json.result);
    assert.deepEqual(rc.json.result, ra.json.result);
    const oneInitialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params }).length + 1;
    assert.ok(bytesOut() < 2 * oneInitialize, `wrote ${bytesOut()} bytes: more than one initialize reached the child`);
  });

  it('answers concurrent calls that use the same JSON-RPC id each with its own result', async () => {
    const { channel } = everything();
    await initialize(channel);
    const a = callTool(channel, 7, 'echo', { message: 'from session A' });
    const b = callTool(channel, 7, 'echo', { message: 'from session B' });
    const c = callTool(channel, '7', 'get-sum', { a: 2, b: 3 });
    const [ra, rb, rc] = (await Promise.all([a.outcome, b.outcome, c.outcome])) as Array<Extract<McpOutcome, { kind: 'response' }>>;
    assert.equal(ra.json.id, 7);
    assert.equal(toolText(ra.json), 'Echo: from session A');
    assert.equal(rb.json.id, 7);
    assert.equal(toolText(rb.json), 'Echo: from session B');
    assert.equal(rc.json.id, '7');
    assert.match(toolText(rc.json), /5/);
  });

  it('passes a JSON-RPC error from the server through with the caller id', async () => {
    const { channel } = everything();
    await initialize(channel);
    const json = await request(channel, 'x-1', 'no/such/method');
    assert.equal(json.id, 'x-1');
    assert.equal((json.error as { code: number }).code, -32601);
  });

  it('runs 16 slow calls at once: every one is running in the server before the first one answers', async () => {
    const { channel } = everything();
    await initialize(channel);
    // Each call reports progress half a second in and answers at one second.
    const args = { duration: 1, steps: 2 };
    const started = Date.now();
    const calls = Array.from({ length: 16 }, (_, i) => callTool(channel, i, 'trigger-long-running-operation', args, { progressToken: `p${i}` }));
    let progressAtFirstAnswer: number[] | undefined;
    const outcomes = calls.map((c) =>
      c.outcome.then((o) => {
        progressAtFirstAnswer ??= calls.map((other) => other.notes.length);
        return o;
      }),
    );
    const results = (await Promise.all(outcomes)) as Array<Extract<McpOutcome, { kind: 'response' }>>;
    const elapsed = Date.now() - started;

    results.forEach((r, i) => {
      assert.equal(r.json.id, i);
      assert.match(toolText(r.json), /Long running operation completed/);
    });
    // The server's lines reach the calls in the order it wrote them: progress
    // from all sixteen before the first answer means all sixteen ran at once.
    // With two at a time, the third would not even start until the first answered.
    assert.ok(
      progressAtFirstAnswer!.every((n) => n >= 1),
      `progress notes per call when the first one answered: ${progressAtFirstAnswer!.join(' ')}`,
    );
    assert.ok(elapsed < 2 * 1000, `sixteen 1 s calls took ${elapsed} ms`);
    assert.equal(channel.status().inFlight, 0);
  });

  it('delivers progress notifications to their call, with its own token, before the response', async () => {
    const { channel } = everything();
    await initialize(channel);
    // Two sessions picking the same token must still each get only their own progress.
    const a = callTool(channel, 1, 'trigger-long-running-operation', { duration: 0.3, steps: 3 }, { progressToken: 1 });
    const b = callTool(channel, 1, 'trigger-long-running-operation', { duration: 0.2, steps: 2 }, { progressToken: 1 });
    // Only the progress is the call's own: a message the server sent outside any call (its tools/list_changed
    // after initialized) may ride along on the first call in flight too.
    const progressOf = (notes: unknown[]) => notes.filter((n) => (n as { method: string }).method === 'notifications/progress');
    let aDoneWith = -1;
    const aDone = a.outcome.then((o) => {
      aDoneWith = progressOf(a.notes).length;
      return o;
    });
    await Promise.all([aDone, b.outcome]);

    assert.equal(aDoneWith, 3, 'progress arrived after the response');
    for (const [sent, steps] of [
      [a, 3],
      [b, 2],
    ] as const) {
      assert.deepEqual(
        progressOf(sent.notes).map((n) => [(n as { method: string }).method, (n as { params: Record<string, unknown> }).params.progressToken, (n as { params: Record<string, unknown> }).params.progress]),
        Array.from({ length: steps }, (_, i) => ['notifications/progress', 1, i + 1]),
      );
    }
  });

  it('after an aborted call, a new call reusing its JSON-RPC id gets its own answer', async () => {
    const { channel } = everything();
    await initialize(channel);
    const slow = callTool(channel, 42, 'trigger-long-running-operation', { duration: 0.6, steps: 2 });
    setTimeout(() => slow.abort.abort(), 100);
    await rejectsWith(slow.outcome, DeadlineExceededError);

    const fresh = await callTool(channel, 42, 'echo', { message: 'fresh' }).outcome;
    assert.equal((fresh as Extract<McpOutcome, { kind: 'response' }>).json.id, 42);
    assert.equal(toolText((fresh as Extract<McpOutcome, { kind: 'response' }>).json), 'Echo: fresh');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(channel.status().state, 'ready');
    assert.equal(channel.status().inFlight, 0);
  });

  it('rejects an in-flight call with transport_closed when the child is killed, then restarts and re-initializes it', async () => {
    const { channel } = everything();
    await initialize(channel);
    const before = channel.status();
    const slow = callTool(channel, 1, 'trigger-long-running-operation', { duration: 5, steps: 5 });
    await new Promise((r) => setTimeout(r, 100));
    const restarting = waitForStatus(channel, (s) => s.state === 'restarting');
    process.kill(before.pid!, 'SIGKILL');

    const err = await rejectsWith(slow.outcome, TunnelFailureError);
    assert.equal(err.failure.source, 'transport_closed');
    assert.equal(err.failure.transport_error_kind, 'eof');
    const during = await restarting;
    assert.equal(during.attempt, 1);
    assert.match(during.reason ?? '', /killed by SIGKILL/);

    const after = await waitForStatus(channel, (s) => s.state === 'ready');
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.restarts, 1);
    // Sessions that initialized before the crash keep working without a new initialize.
    const echo = await callTool(channel, 2, 'echo', { message: 'still here' }).outcome;
    assert.equal(toolText((echo as Extract<McpOutcome, { kind: 'response' }>).json), 'Echo: still here');
  });

  it('gives the child the configured environment and never CONTROL_PLANE_API_KEY', async () => {
    const saved = { ...process.env };
    process.env.CONTROL_PLANE_API_KEY = 'sk-test-runtime-key';
    process.env.OPENAI_API_KEY = 'sk-test-openai-key';
    try {
      const { channel } = everything({}, { MCP_TEST_SETTING: 'configured-value' });
      await initialize(channel);
      const json = (await callTool(channel, 1, 'get-env', {}).outcome) as Extract<McpOutcome, { kind: 'response' }>;
      const env = JSON.parse(toolText(json.json)) as Record<string, string>;
      assert.equal(env.MCP_TEST_SETTING, 'configured-value');
      assert.equal(env.PATH, process.env.PATH);
      assert.equal(env.CONTROL_PLANE_API_KEY, undefined);
      assert.equal(env.OPENAI_API_KEY, undefined);
    } finally {
      process.env = saved;
    }
  });

  it('round-trips a 5 MiB echo', async () => {
    const { channel } = everything();
    await initialize(channel);
    const message = 'abcdefghij'.repeat(512 * 1024);
    const outcome = (await callTool(channel, 'big', 'echo', { message }).outcome) as Extract<McpOutcome, { kind: 'response' }>;
    assert.equal(outcome.json.id, 'big');
    const text = toolText(outcome.json);
    assert.equal(text.length, message.length + 'Echo: '.length);
    assert.ok(text === `Echo: ${message}`);
  });

  it('routes a server sampling request to its call and carries the client answer back to the server', async () => {
    const { channel } = everything();
    await initialize(channel, 0, '2025-06-18', { sampling: {} });
    const pending = callTool(channel, 5, 'trigger-sampling-request', { prompt: 'hello', maxTokens: 5 });
    const started = Date.now();
    const sampling = () => pending.notes.find((n) => (n as { method: string }).method === 'sampling/createMessage') as { id: JsonRpcId; method: string } | undefined;
    while (!sampling() && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    const serverRequest = sampling()!;
    assert.ok(serverRequest, 'the server’s sampling request reached its call');

    const answer = await send(channel, {
      jsonrpc: '2.0',
      id: serverRequest.id,
      result: { role: 'assistant', content: { type: 'text', text: 'sampled reply' }, model: 'test-model', stopReason: 'endTurn' },
    }).outcome;
    assert.deepEqual(answer, { kind: 'ack', status: 202, headers: {} });
    const outcome = (await pending.outcome) as Extract<McpOutcome, { kind: 'response' }>;
    assert.equal(outcome.json.id, 5);
    assert.match(JSON.stringify(outcome.json.result), /sampled reply/);
  });

  it('acknowledges session termination with 204 and keeps serving', async () => {
    const { channel } = everything();
    await initialize(channel);
    const pid = channel.status().pid;
    const answer = await channel.terminateSession({ 'Mcp-Session-Id': ['s-1'] }, new AbortController().signal);
    assert.deepEqual(answer, { status: 204, headers: {} });
    const echo = await callTool(channel, 1, 'echo', { message: 'after' }).outcome;
    assert.equal(toolText((echo as Extract<McpOutcome, { kind: 'response' }>).json), 'Echo: after');
    assert.equal(channel.status().pid, pid);
  });

  it('reports a missing command as crashed, naming the command and what to check', async () => {
    const { channel } = makeChannel(['mcp-tunnel-no-such-command-xyz', '--flag']);
    const statuses: ChannelStatus[] = [];
    channel.on('status', (s) => statuses.push(s));
    await channel.start();
    const status = channel.status();
    assert.equal(status.state, 'crashed');
    assert.match(status.reason ?? '', /"mcp-tunnel-no-such-command-xyz" not found: check the MCP command setting and that it is on PATH/);
    assert.deepEqual(statuses.map((s) => s.state), ['starting', 'crashed']);
    const err = await rejectsWith(callTool(channel, 1, 'echo', { message: 'x' }).outcome, TunnelFailureError);
    assert.equal(err.failure.source, 'connect');
  });

  it('rejects a call that is already past its deadline without touching the child', async () => {
    const { channel, bytesOut } = everything();
    await initialize(channel);
    const written = bytesOut();
    const abort = new AbortController();
    abort.abort();
    const outcome = channel.call({
      message: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: {},
      signal: abort.signal,
      onNotify: () => undefined,
    });
    await rejectsWith(outcome, DeadlineExceededError);
    assert.equal(bytesOut(), written);
  });
});

describe('StdioChannel with a scripted server (faults a real server will not produce on demand)', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  const fake = (options?: StdioChannelOptions) => makeChannel([process.execPath, FAKE], options);

  it('cancels an aborted call by its local id and discards its late answer', async () => {
    const { channel, logs } = fake();
    await channel.start();
    const late = send(channel, { jsonrpc: '2.0', id: 9, method: 'slow', params: { ms: 300, tag: 'late' } });
    setTimeout(() => late.abort.abort(), 50);
    await rejectsWith(late.outcome, DeadlineExceededError);

    // Same caller id, answered sooner than the cancelled request's late answer arrives... and later too.
    const next = send(channel, { jsonrpc: '2.0', id: 9, method: 'slow', params: { ms: 500, tag: 'mine' } });
    const json = ((await next.outcome) as Extract<McpOutcome, { kind: 'response' }>).json;
    assert.deepEqual(json, { jsonrpc: '2.0', id: 9, result: { tag: 'mine' } });

    const stats = (await request(channel, 's', 'stats')).result as { cancelled: Array<{ requestId: unknown; reason: string }> };
    assert.equal(stats.cancelled.length, 1);
    assert.equal(typeof stats.cancelled[0].requestId, 'number', 'the child must hear the local id it was sent');
    assert.ok(logs.some((r) => r.msg.includes('discarded the late answer to a cancelled request')));
  });

  it('discards a message over the size cap with a clear error, fails its call, and keeps serving', async () => {
    const { channel, logs } = fake({ maxMessageBytes: 1024 * 1024 });
    await channel.start();
    const pid = channel.status().pid;
    for (const idFirst of [false, true]) {
      const huge = send(channel, { jsonrpc: '2.0', id: 'h', method: 'huge', params: { bytes: 3 * 1024 * 1024, idFirst } });
      const err = await rejectsWith(huge.outcome, TunnelFailureError);
      assert.equal(err.failure.source, 'protocol');
      assert.equal(err.failure.transport_error_kind, 'response_body_too_large');
    }
    const logged = logs.find((r) => r.level === 'error' && /over the 1048576-byte limit/.test(r.msg));
    assert.ok(logged, 'no clear error was logged');
    assert.match(logged.msg, /Raise the channel's maximum message size/);

    const ok = await request(channel, 'after', 'slow', { ms: 1, tag: 'ok' });
    assert.deepEqual(ok.result, { tag: 'ok' });
    assert.equal(channel.status().pid, pid);
  });

  it('skips a non-JSON stdout line and still delivers the answer', async () => {
    const { channel, logs } = fake();
    const json = await request(channel, 1, 'garbage', { tag: 'survived' });
    assert.deepEqual(json.result, { tag: 'survived' });
    assert.ok(logs.some((r) => r.level === 'warn' && r.msg.includes('not JSON')));
  });

  it('sends one initialize and one initialized notification to the child for many sessions', async () => {
    const { channel } = fake();
    for (const id of [1, 'b', 3]) {
      await initialize(channel, id);
    }
    const stats = (await request(channel, 's', 'stats')).result as { initialize: number };
    assert.equal(stats.initialize, 1);
  });

  it('restarts after a crash and replays initialize so earlier sessions keep working', async () => {
    const { channel } = fake();
    await initialize(channel);
    process.kill(channel.status().pid!, 'SIGKILL');
    await waitForStatus(channel, (s) => s.state === 'restarting');
    await waitForStatus(channel, (s) => s.state === 'ready');
    const stats = (await request(channel, 's', 'stats')).result as { initialize: number };
    assert.equal(stats.initialize, 1, 'the fresh child was not re-initialized');
    // A new session is again served from the (refreshed) cache.
    const second = await initialize(channel, 'new');
    assert.equal(second.id, 'new');
    const after = (await request(channel, 's2', 'stats')).result as { initialize: number };
    assert.equal(after.initialize, 1);
  });

  it('forwards a client cancellation under the local id and ends the cancelled call', async () => {
    const { channel } = fake();
    await channel.start();
    const other = send(channel, { jsonrpc: '2.0', id: 'c1', method: 'slow', params: { ms: 300, tag: 'other session' } }, { 'Mcp-Session-Id': ['b'] });
    const mine = send(channel, { jsonrpc: '2.0', id: 'c1', method: 'slow', params: { ms: 2000, tag: 'mine' } }, { 'Mcp-Session-Id': ['a'] });
    const ended = rejectsWith(mine.outcome, TunnelFailureError);
    const ack = await send(channel, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c1', reason: 'user' } }, { 'Mcp-Session-Id': ['a'] }).outcome;
    assert.deepEqual(ack, { kind: 'ack', status: 202, headers: {} });

    assert.equal((await ended).failure.transport_error_kind, 'connection_aborted');
    const stillServed = (await other.outcome) as Extract<McpOutcome, { kind: 'response' }>;
    assert.deepEqual(stillServed.json.result, { tag: 'other session' });
    const stats = (await request(channel, 's', 'stats')).result as { cancelled: Array<{ requestId: unknown; reason: string }> };
    assert.equal(stats.cancelled.length, 1);
    assert.equal(typeof stats.cancelled[0].requestId, 'number');
    assert.equal(stats.cancelled[0].reason, 'user');
  });

  it('restarts the child when initialize runs past its deadline, and the next initialize goes through', async () => {
    const { channel } = makeChannel([process.execPath, FAKE, '--slow-init', '1500']);
    await channel.start();
    const pid = channel.status().pid;
    const params = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: CLIENT_INFO };
    const first = send(channel, { jsonrpc: '2.0', id: 1, method: 'initialize', params });
    setTimeout(() => first.abort.abort(), 100);
    await rejectsWith(first.outcome, DeadlineExceededError);

    const ready = await waitForStatus(channel, (s) => s.state === 'ready' && s.pid !== pid);
    assert.equal(ready.restarts, 1);
    // The new child answers its own (first) initialize slowly again: it really reached the child.
    const t = Date.now();
    const again = await request(channel, 2, 'initialize', params);
    assert.equal(again.id, 2);
    assert.ok(Date.now() - t >= 1200, 'the initialize after the restart was not sent to the new child');
  });

  it('backs off between restarts of a server that keeps exiting, and says why', async () => {
    const { channel } = makeChannel([process.execPath, '-e', 'process.exit(3)'], { restartBackoff: { initialMs: 20, maxMs: 160 } });
    const seen: ChannelStatus[] = [];
    channel.on('status', (s) => {
      if (s.state === 'restarting') seen.push(s);
    });
    await channel.start();
    await waitForStatus(channel, (s) => s.state === 'restarting' && (s.attempt ?? 0) >= 5);
    assert.deepEqual(seen.slice(0, 5).map((s) => s.attempt), [1, 2, 3, 4, 5]);
    assert.match(seen[0].reason ?? '', /exited with code 3; restart attempt 1/);
    assert.match(seen[4].reason ?? '', /in 160 ms/, 'the delay is not capped at maxMs');
  });

  it('makes calls that arrive while restarting wait for the new child', async () => {
    const { channel } = fake({ restartBackoff: { initialMs: 300, maxMs: 300 } });
    await channel.start();
    process.kill(channel.status().pid!, 'SIGKILL');
    await waitForStatus(channel, (s) => s.state === 'restarting');
    const json = await request(channel, 1, 'slow', { ms: 1, tag: 'waited' });
    assert.deepEqual(json.result, { tag: 'waited' });
    assert.equal(channel.status().restarts, 1);
  });
});

describe('StdioChannel.close()', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  async function startWithGrandchild(stubborn: boolean) {
    const argv = [process.execPath, LEADER, ...(stubborn ? ['--stubborn'] : []), EVERYTHING, 'stdio'];
    const h = makeChannel(argv, { stopGraceMs: 1500 });
    await initialize(h.channel);
    const line = h.stderr.find((l) => l.startsWith('grandchild-pid='));
    assert.ok(line, 'the fixture did not report its grandchild');
    return { ...h, leader: h.channel.status().pid!, grandchild: Number(line.split('=')[1]) };
  }

  it('stops the server and its grandchildren (npx-style), rejects in-flight calls, and does not restart', async () => {
    const { channel, leader, grandchild } = await startWithGrandchild(false);
    assert.ok(isAlive(leader) && isAlive(grandchild));
    const inFlight = callTool(channel, 1, 'trigger-long-running-operation', { duration: 5, steps: 5 });
    await new Promise((r) => setTimeout(r, 50));

    const rejected = rejectsWith(inFlight.outcome, TunnelFailureError);

    await channel.close();

    const err = await rejected;
    assert.equal(err.failure.source, 'transport_closed');
    assert.ok(!isAlive(leader), 'the server process survived close()');
    assert.ok(!isAlive(grandchild), 'the grandchild survived close()');
    assert.equal(channel.status().state, 'stopped');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(channel.status().state, 'stopped', 'the channel restarted after close()');
    await rejectsWith(callTool(channel, 2, 'echo', { message: 'x' }).outcome, TunnelFailureError);
  });

  it('kills a group that ignores stdin EOF and SIGTERM within the stop grace period', async () => {
    const { channel, leader, grandchild } = await startWithGrandchild(true);
    const t = Date.now();
    await channel.close();
    const took = Date.now() - t;
    assert.ok(!isAlive(leader), 'the stubborn server survived close()');
    assert.ok(!isAlive(grandchild), 'the grandchild survived close()');
    assert.ok(took < 1500 + 500, `close() took ${took} ms, over the 1500 ms grace`);
  });
});
