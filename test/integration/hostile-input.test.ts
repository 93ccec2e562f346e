/**
 * Hostile messages and plain bad luck: none takes the tunnel down. Each test
 * here failed before the fix it names: a method that is not a string crashed
 * the process, an oversized call wedged the stdio server, the restart back-off
 * never reset, and untrusted strings reached headers and log lines raw.
 */
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import type { StdioTarget } from '../../src/engine/config';
import { StdioChannel } from '../../src/engine/mcp/stdio';
import { formatLogLine } from '../../src/engine/log';
import { everythingStdioTarget, EVERYTHING } from '../helpers/everything';
import { alive } from '../helpers/processes';
import { waitFor } from '../helpers/wait';
import { startCli, type CliProcess } from '../helpers/cli';
import { startTestTunnel, textOf, tunnelHooks, withTestTunnel, type TestTunnel, type TestTunnelOptions } from '../helpers/tunnel';

const ECHO = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } });
const HOSTILE = { jsonrpc: '2.0', id: 1, method: ['v'], result: {} };

/** server-everything over stdio, with the stuck-server check on a short fuse. */
function wedgeProbeTunnel(wedgeProbe: { afterMs: number; timeoutMs: number }): TestTunnelOptions {
  return {
    target: everythingStdioTarget(),
    engine: { channelFactory: (target, logger) => new StdioChannel(target as StdioTarget, logger.child('mcp:main'), { wedgeProbe }) },
  };
}

async function echoThrough(t: TestTunnel, id: number, message: string): Promise<string | undefined> {
  const terminal = await t.relay.enqueue({ jsonrpc: ECHO(id, message) }, { timeoutMs: 15_000 }).terminal;
  return textOf((terminal.resp_json as { result?: unknown }).result ?? {});
}

describe('hostile input', function () {
  this.timeout(90_000);

  describe('a JSON-RPC message whose method is not a string', () => {
    let cli: CliProcess | undefined;
    afterEach(() => {
      if (cli?.child.exitCode === null) cli.child.kill('SIGKILL');
    });

    it('gets -32600 from the loopback front door, and the process keeps serving', async () => {
      cli = startCli(['loopback', '--mcp-command', `'${process.execPath}' '${EVERYTHING}' stdio`, '--front-door-auth', 'none', '--print-json']);
      const info = await cli.json();
      const post = (body: unknown) =>
        fetch(info.mcp_url!, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: JSON.stringify(body) });
      const res = await post(HOSTILE);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { id: unknown; error: { code: number; message: string } };
      assert.equal(body.error.code, -32600);
      assert.equal(body.id, 1);
      assert.match(body.error.message, /method must be a non-empty string/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(cli.child.exitCode, null, 'the daemon is still running');
      const ping = await post({ jsonrpc: '2.0', id: 2, method: 'ping' });
      assert.equal(ping.status, 200);
    });

    it('as a polled command is answered once with -32600 and never reaches the MCP server; the next command is served', async () => {
      await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
        const rejections: unknown[] = [];
        const onRejection = (reason: unknown) => rejections.push(reason);
        process.on('unhandledRejection', onRejection);
        try {
          const handle = t.relay.enqueue({ jsonrpc: HOSTILE }, { timeoutMs: 10_000 });
          const terminal = await handle.terminal;
          assert.equal(terminal.resp_code, 400);
          assert.equal(terminal.resp_type, 'jsonrpc_response');
          assert.deepEqual((terminal.resp_json as { error: { code: number } }).error.code, -32600);
          assert.equal(t.relay.responseLog().filter((r) => r.requestId === handle.requestId).length, 1, 'exactly one answer');
          await waitFor(() => t.engine.trace.list().some((e) => e.requestId === handle.requestId), 5000, 'the trace entry');
          const entry = t.engine.trace.list().find((e) => e.requestId === handle.requestId);
          assert.equal(entry?.outcome, 'error');
          assert.equal(entry?.method, undefined, 'no array reaches the method label');
          assert.equal(entry?.bytesIn, 0, 'nothing was sent to the MCP server');
          assert.equal(await echoThrough(t, 2, 'still here'), 'Echo: still here');
        } finally {
          process.off('unhandledRejection', onRejection);
        }
        assert.deepEqual(rejections, []);
      });
    });
  });

  it('a bug while recording a command does not lose the command nor stop the pool', async () => {
    const t = await startTestTunnel({ target: everythingStdioTarget() });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      // A throwing listener stands in for a bug in the code that runs after the answer is posted.
      const broken = () => {
        throw new Error('listener bug');
      };
      t.engine.on('trace', broken);
      for (let i = 0; i < 40; i++) assert.equal(await echoThrough(t, 100 + i, `n${i}`), `Echo: n${i}`);
      t.engine.off('trace', broken);
      assert.ok(t.logs.some((l) => l.level === 'error' && /internal error while recording a command: listener bug/.test(l.msg)));
      assert.equal(await echoThrough(t, 200, 'after'), 'Echo: after');
    } finally {
      process.off('unhandledRejection', onRejection);
      await t.stop();
    }
    assert.deepEqual(rejections, []);
  });

  describe('an outbound message over the size cap', () => {
    it('is refused with a clear error before it reaches the stdio server, which keeps answering', async () => {
      await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
        const pid = t.engine.status().channels[0]!.pid;
        const big = 'x'.repeat(10 * 1024 * 1024 + 16);
        const started = performance.now();
        const terminal = await t.relay.enqueue({ jsonrpc: ECHO(1, big) }, { timeoutMs: 20_000 }).terminal;
        assert.ok(performance.now() - started < 10_000, 'answered at once, not at its deadline');
        assert.equal(terminal.resp_code, 413);
        const error = (terminal.resp_json as { id: unknown; error: { code: number; message: string } }).error;
        assert.equal(error.code, -32600);
        assert.match(error.message, /over the 10485760-byte limit of this stdio MCP server \(mcp\.maxMessageBytes\); send a smaller message/);
        assert.equal(await echoThrough(t, 2, 'small'), 'Echo: small');
        const note = await t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', method: 'notifications/message', params: { data: big } } }, { timeoutMs: 20_000 }).terminal;
        assert.equal(note.resp_type, 'notify_ack');
        assert.equal(note.resp_code, 413);
        assert.deepEqual(t.relay.violations(), []);
        assert.equal(t.engine.status().channels[0]!.pid, pid, 'the server was never restarted');
        assert.equal((await fetch(`${t.engine.healthUrl}/readyz`)).status, 200);
      });
    });

    it('honours the configured cap (mcp.maxMessageBytes)', async () => {
      await withTestTunnel({ target: { ...everythingStdioTarget(), maxMessageBytes: 64 * 1024 } }, async (t) => {
        const terminal = await t.relay.enqueue({ jsonrpc: ECHO(1, 'y'.repeat(70 * 1024)) }, { timeoutMs: 10_000 }).terminal;
        assert.equal(terminal.resp_code, 413);
        assert.match((terminal.resp_json as { error: { message: string } }).error.message, /over the 65536-byte limit/);
        assert.equal(await echoThrough(t, 2, 'fits'), 'Echo: fits');
      });
    });
  });

  it('a stdio server that is alive but stopped answering is pinged, restarted and marked, and calls flow again', async () => {
    await withTestTunnel(wedgeProbeTunnel({ afterMs: 1000, timeoutMs: 1000 }), async (t) => {
      assert.equal(await echoThrough(t, 1, 'before'), 'Echo: before');
      const pid = t.engine.status().channels[0]!.pid!;
      // A stopped process is a real hung server: alive, holding its pipes, reading nothing.
      process.kill(pid, 'SIGSTOP');
      const stuck = t.relay.enqueue({ jsonrpc: ECHO(2, 'into the void') }, { timeoutMs: 30_000 });
      await waitFor(() => t.engine.status().state === 'restarting', 10_000, 'the tunnel shows the restart');
      assert.match(t.engine.status().reason, /stopped answering \(no reply to ping within 1 s\)/);
      const failed = await stuck.terminal;
      assert.equal((failed.resp_json as { error: { data: { tunnel_failure: { source: string } } } }).error.data.tunnel_failure.source, 'transport_closed');
      await waitFor(() => t.engine.status().state === 'ready', 10_000, 'ready again');
      assert.notEqual(t.engine.status().channels[0]!.pid, pid);
      assert.equal(alive(pid), false, 'the hung process is gone');
      assert.equal(await echoThrough(t, 3, 'after'), 'Echo: after');
    });
  });

  it('a slow tool is not mistaken for a hung server: the ping is answered and the call completes', async () => {
    await withTestTunnel(wedgeProbeTunnel({ afterMs: 500, timeoutMs: 1000 }), async (t) => {
      const pid = t.engine.status().channels[0]!.pid;
      const slow = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 1 } } };
      const terminal = await t.relay.enqueue({ jsonrpc: slow }, { timeoutMs: 20_000 }).terminal;
      assert.ok((terminal.resp_json as { result?: unknown }).result, JSON.stringify(terminal.resp_json));
      assert.ok(t.logs.some((l) => /answered ping: it is slow, not stuck/.test(l.msg)), 'the probe ran and passed');
      assert.equal(t.engine.status().channels[0]!.pid, pid, 'not restarted');
    });
  });

  it('every kill of a healthy stdio server recovers in under 2 s: the back-off resets once a restarted child works', async () => {
    const t = await startTestTunnel({ target: everythingStdioTarget() });
    const recoveries: number[] = [];
    try {
      assert.equal(await echoThrough(t, 1, 'warm'), 'Echo: warm');
      for (let kill = 0; kill < 10; kill++) {
        const pid = t.engine.status().channels[0]!.pid!;
        const killedAt = performance.now();
        process.kill(pid, 'SIGKILL');
        await waitFor(() => t.engine.status().channels[0]!.pid !== pid && t.engine.status().state === 'ready', 15_000, `recovery ${kill + 1}`);
        assert.equal(await echoThrough(t, 10 + kill, `k${kill}`), `Echo: k${kill}`);
        recoveries.push(performance.now() - killedAt);
        assert.ok((t.engine.status().channels[0]!.restarts ?? 0) >= kill + 1);
      }
    } finally {
      await t.stop();
    }
    const attempts = t.logs.filter((l) => /restarting/.test(l.msg) && l.fields?.attempt !== undefined).map((l) => l.fields!.attempt);
    process.stdout.write(`      recovery after each kill (ms): ${recoveries.map((ms) => ms.toFixed(0)).join(', ')}\n`);
    assert.deepEqual(attempts, recoveries.map(() => 1), 'every restart of a working child is attempt 1');
    // Generous bound: the figure is reported above; this only catches a back-off that grows again.
    for (const ms of recoveries) assert.ok(ms < 4000, `recovered in ${ms.toFixed(0)} ms`);
  });

  it('a stdio command that keeps dying at start still backs off exponentially, and readiness quotes what it last said', async () => {
    const script = "console.error('starting up'); console.error('Error: cannot open database /nowhere/db.sqlite'); process.exit(3)";
    await withTestTunnel({ target: { kind: 'stdio', channel: 'main', argv: [process.execPath, '-e', script], env: {} }, waitReady: false }, async (t) => {
      await waitFor(() => t.logs.filter((l) => /exited with code 3; restarting/.test(l.msg)).length >= 4, 15_000, 'four restarts');
      const attempts = t.logs.filter((l) => /exited with code 3; restarting/.test(l.msg)).map((l) => l.fields!.attempt);
      assert.deepEqual(attempts.slice(0, 4), [1, 2, 3, 4]);
      const readyz = await fetch(`${t.engine.healthUrl}/readyz`);
      assert.equal(readyz.status, 503);
      assert.match(
        await readyz.text(),
        /^MCP server "main" restarting: exited with code 3; restart attempt \d+ in [\d.]+ m?s; last stderr: starting up \| Error: cannot open database \/nowhere\/db\.sqlite\n$/,
      );
    });
  });

  describe('untrusted strings', () => {
    let t: TestTunnel;
    tunnelHooks('each', (started) => (t = started));

    it('a shard token no header can carry is skipped with one log line and no POST attempt; the next command is served', async () => {
      const handle = t.relay.enqueue({ jsonrpc: ECHO(1, 'bad token'), shard_token: 'shard\r\nX-Injected: 1' }, { timeoutMs: 3000 });
      await assert.rejects(handle.terminal);
      assert.equal(t.relay.responseLog().filter((r) => r.requestId === handle.requestId).length, 0, 'never posted, never retried');
      const lines = t.logs.filter((l) => l.fields?.request_id === handle.requestId);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!.msg, /shard_token cannot be sent as an HTTP header value/);
      assert.equal(await echoThrough(t, 2, 'next'), 'Echo: next');
    });

    it('request ids and channel names with control characters or 100 KB of text cannot forge or flood log lines', async () => {
      const forged = `req\n${new Date().toISOString()} ERROR [engine] forged line\u001b[31m`;
      const huge = 'c'.repeat(100_000);
      const handles = [
        t.relay.enqueue({ jsonrpc: ECHO(1, 'a'), request_id: forged, channel: `evil\r\nchannel` }, { timeoutMs: 5000 }),
        t.relay.enqueue({ jsonrpc: ECHO(2, 'b'), request_id: huge, channel: huge }, { timeoutMs: 5000 }),
      ];
      for (const h of handles) await h.terminal;
      const lines = t.logs.map(formatLogLine);
      const related = lines.filter((l) => l.includes('forged line') || l.includes('ccccc'));
      assert.ok(related.length >= 2, 'both commands were logged');
      for (const line of lines) {
        // eslint-disable-next-line no-control-regex -- the escape character is what must be absent
        assert.doesNotMatch(line, /[\n\r\u001b]/, 'one record, one line, no terminal escapes');
        assert.ok(line.length < 16 * 1024, `a bounded line (${line.length} chars)`);
      }
      assert.ok(related.some((l) => l.includes('request_id="req\\n')), 'the control character shows as an escape');
    });
  });
});
